import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { turnBodies, type TurnKind, type TurnLoad } from '../../bench/httpTurns';
import { ROOT } from '../../bench/lib/build';
import { replyKey } from '../../bench/press';
import { savedPressKey, savePress, type SavedPresses } from '../../bench/savedPress';
import { loadContent } from '../../src/content/load';
import { allActions } from '../../src/journey/journey';
import { FileStorage } from '../../src/state/fileStorage';
import { readItem } from '../../src/state/update';

const content = loadContent(join(ROOT, 'cards'));
const load: TurnLoad = { connections: 1, seconds: 1, users: 2, questions: ['who is my LA'], actionIds: allActions(content.journey).map((a) => a.id) };

interface Turn {
  readonly from: { readonly id: string };
  readonly text?: string;
  readonly value?: unknown;
}

/** The first user's presses of one kind, in the order the bench sends them. */
function presses(kind: TurnKind): Turn[] {
  const turns = turnBodies(kind, 'http://127.0.0.1:1', load).map((body) => JSON.parse(body) as Turn);
  return turns.filter((turn) => turn.from.id === turns[0]?.from.id);
}

describe("the saving card echo's presses (the bench's second reference)", () => {
  let dir: string;
  const stores: FileStorage[] = [];
  const open = (): FileStorage => {
    const store = new FileStorage(join(dir, 'presses'));
    stores.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'saved-press-'));
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it.each<TurnKind>(['ack', 'ackSubmit'])(
    'keeps each %s press on disk before the reply: "Mark as done" adds the action, "Undo" takes it away',
    async (kind) => {
      const [markDone, undo] = presses(kind);
      if (!markDone || !undo) throw new Error('the bench sends no presses');
      const actionId = replyKey(markDone).split(' ')[1] ?? '';
      expect(replyKey(undo)).toBe(`unack ${actionId}`);

      const first = open();
      await savePress(first, markDone, new Date('2026-12-07T10:00:00Z'));
      await first.close();
      // A store opened afresh reads the file: the press was written before savePress resolved.
      const second = open();
      const kept = await readItem<SavedPresses>(second, savedPressKey(markDone.from.id));
      expect(kept?.done).toEqual({ [actionId]: '2026-12-07T10:00:00.000Z' });

      await savePress(second, undo, new Date('2026-12-07T10:01:00Z'));
      await second.close();
      expect((await readItem<SavedPresses>(open(), savedPressKey(markDone.from.id)))?.done).toEqual({});
    },
  );

  it('refuses a turn that is not a press, and keeps nothing for it', async () => {
    const question = turnBodies('question', 'http://127.0.0.1:1', load).map((body) => JSON.parse(body) as Turn)[0];
    if (!question) throw new Error('the bench sends no questions');
    const store = open();
    await expect(savePress(store, question, new Date())).rejects.toThrow('not a press');
    expect(await readItem(store, savedPressKey(question.from.id))).toBeUndefined();
  });
});
