import { MessageRateLimit } from '../../src/routing/messageRateLimit';

describe('the per-user message limit', () => {
  it('lets a user write their allowance in a minute, says so once when they go over, then stays silent until the minute has passed', () => {
    let now = 0;
    const limit = new MessageRateLimit(3, () => now);
    expect([1, 2, 3, 4, 5, 6].map(() => limit.take('megan'))).toEqual(['ok', 'ok', 'ok', 'limited', 'silent', 'silent']);
    expect(limit.take('jo')).toBe('ok'); // one user's flood is theirs alone
    now += 60_000;
    expect(limit.take('megan')).toBe('ok');
  });

  it('keeps a flooding user limited while 150,000 others write in the same minute, and keeps at most 50,000 users', () => {
    let now = 0;
    const limit = new MessageRateLimit(2, () => now);
    for (let i = 0; i < 3; i++) limit.take('flooder');
    const flooder = new Set<string>();
    let refused = 0;
    for (let i = 0; i < 150_000; i++) {
      if (i % 1000 === 0) {
        now += 1; // the flood goes on
        flooder.add(limit.take('flooder'));
      }
      if (limit.take(`user-${i}`) !== 'ok') refused++;
    }
    expect({ flooder: [...flooder], refused, trackedAtMost50k: limit.tracked <= 50_000 }).toEqual({ flooder: ['silent'], refused: 0, trackedAtMost50k: true });
  });
});
