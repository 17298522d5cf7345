import { FeedbackStore, MAX_QUESTIONS, type Tally } from '../../src/feedback/feedbackStore';
import { keys } from '../../src/state/keys';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';
import type { StoreItems } from '../../src/state/storage';
import { readItem } from '../../src/state/update';

const REV = 'aaaaaaaaaaaa';
const user = (n: number) => ({ tenantId: 'tenant-1', userId: `29:user-${n}`, aadObjectId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` });

function setup(now = () => new Date('2026-11-01T09:00:00Z')) {
  const storage = new AtomicMemoryStorage();
  return { storage, store: new FeedbackStore(storage, 50, 30, now), tally: (id: string) => readItem<Tally>(storage, keys.feedbackTally('answer', id)) };
}

describe('feedback tallies', () => {
  it('counts every vote when many users vote on one answer at the same moment (eTag read-modify-write)', async () => {
    const { store, tally } = setup();
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.vote(user(i), 'answer', 'mfa', REV, i % 4 === 0 ? 'notHelpful' : 'helpful', `question ${i}`)));
    expect(await tally('mfa')).toMatchObject({ helpful: 30, notHelpful: 10 });
    expect((await tally('mfa'))?.questions).toHaveLength(10);
  });

  it('keeps one vote per user when the same user presses both buttons at once, however slow the store', async () => {
    // Reads of a tally take a random while, so the presses' tally changes could arrive out of order.
    class SlowTallies extends AtomicMemoryStorage {
      override async read(keys: string[]): Promise<StoreItems> {
        if (keys.some((k) => k.startsWith('feedback/tallies/'))) await new Promise((r) => setTimeout(r, Math.random() * 8));
        return super.read(keys);
      }
    }
    const storage = new SlowTallies();
    const store = new FeedbackStore(storage, 50, 30, () => new Date('2026-11-01T09:00:00Z'));
    for (let round = 0; round < 10; round++) {
      const id = `answer-${round}`;
      await Promise.all(
        ['helpful', 'notHelpful', 'helpful', 'notHelpful', 'helpful'].map((vote) =>
          store.vote(user(1), 'answer', id, REV, vote as 'helpful' | 'notHelpful', 'q'),
        ),
      );
      const t = await readItem<Tally>(storage, keys.feedbackTally('answer', id));
      expect({ round, total: (t?.helpful ?? 0) + (t?.notHelpful ?? 0), questions: t?.questions.length }).toEqual({ round, total: 1, questions: t?.notHelpful });
    }
  });

  it('keeps at most MAX_QUESTIONS questions per answer, the newest, each masked and cut to 300 characters', async () => {
    const { store, tally } = setup();
    for (let i = 0; i < MAX_QUESTIONS + 5; i++)
      await store.vote(user(i), 'answer', 'mfa', REV, 'notHelpful', `question ${i} from me@nhs.net ${'x'.repeat(400)}`);
    const t = await tally('mfa');
    expect(t?.notHelpful).toBe(MAX_QUESTIONS + 5);
    expect(t?.questions).toHaveLength(MAX_QUESTIONS);
    expect(t?.questions[0]?.text.startsWith('question 5 from [email]')).toBe(true);
    expect(Math.max(...(t?.questions ?? []).map((q) => q.text.length))).toBeLessThanOrEqual(300);
  });

  it('starts the tally again when the words change, and a changed vote on new words is not taken from the old count', async () => {
    const { store, tally } = setup();
    await store.vote(user(1), 'answer', 'mfa', REV, 'notHelpful', 'old words');
    await store.vote(user(2), 'answer', 'mfa', 'bbbbbbbbbbbb', 'helpful', undefined);
    expect(await tally('mfa')).toMatchObject({ rev: 'bbbbbbbbbbbb', helpful: 1, notHelpful: 0, questions: [] });
    await store.vote(user(1), 'answer', 'mfa', 'bbbbbbbbbbbb', 'helpful', undefined);
    expect(await tally('mfa')).toMatchObject({ helpful: 2, notHelpful: 0 });
    // Forget me of a vote on the old words leaves the new tally alone.
    await store.vote(user(3), 'answer', 'mfa', REV, 'notHelpful', 'x'); // resets to REV again
    await store.forget(user(2));
    expect(await tally('mfa')).toMatchObject({ rev: REV, helpful: 0, notHelpful: 1 });
  });
});
