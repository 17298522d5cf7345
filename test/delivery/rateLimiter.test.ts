import fc from 'fast-check';
import { TEAMS_CONVERSATION_WINDOWS, TeamsRateLimiter } from '../../src/delivery/rateLimiter';
import { manualClock } from '../helpers/loopback';
import { SlidingWindowLimiter, TEAMS_PER_CONVERSATION_WINDOWS } from '../helpers/slidingWindow';

/** Reserves a slot for each request (arriving at `at`) and returns the times they would be sent. */
function schedule(limiter: TeamsRateLimiter, clock: { set(ms: number): void }, requests: { at: number; conversation?: string }[]): number[] {
  return requests.map((r) => {
    clock.set(r.at);
    return r.at + limiter.reserve({ tenant: 't1', conversation: r.conversation });
  });
}

/** Replays sends in time order through the emulator's own Teams limits; resolves how many it refused. */
function refusedByTeams(sends: { time: number; conversation?: string }[], tenantPerSecond: number): number {
  const clock = manualClock(0);
  const perConversation = new SlidingWindowLimiter(TEAMS_PER_CONVERSATION_WINDOWS, clock);
  const perTenant = new SlidingWindowLimiter([{ limit: tenantPerSecond, windowMs: 1000 }], clock);
  let refused = 0;
  for (const s of [...sends].sort((a, b) => a.time - b.time)) {
    clock.set(s.time);
    if (!perTenant.take('t1').allowed) refused++;
    else if (s.conversation !== undefined && !perConversation.take(s.conversation).allowed) refused++;
  }
  return refused;
}

describe('TeamsRateLimiter', () => {
  it('lets a tenant burst up to its limit, then paces at the limit per second', () => {
    const clock = manualClock(0);
    const limiter = new TeamsRateLimiter({ tenantPerSecond: 30 }, clock.now);
    const times = schedule(
      limiter,
      clock,
      Array.from({ length: 95 }, () => ({ at: 0 })),
    );
    expect(times.slice(0, 30).every((t) => t === 0)).toBe(true);
    expect(times[30]).toBe(1000);
    expect(times[60]).toBe(2000);
    expect(times[94]).toBe(3000);
    expect(
      refusedByTeams(
        times.map((time) => ({ time })),
        30,
      ),
    ).toBe(0);
  });

  it("keeps one conversation inside Teams' 7 / 1 s, 8 / 2 s and 60 / 30 s windows", () => {
    const clock = manualClock(0);
    const limiter = new TeamsRateLimiter({ tenantPerSecond: 1000 }, clock.now);
    const times = schedule(
      limiter,
      clock,
      Array.from({ length: 70 }, () => ({ at: 0, conversation: 'a:1' })),
    );
    expect(times.slice(0, 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(times[7]).toBe(1000); // 8th: 7 / 1 s
    expect(times[8]).toBe(2000); // 9th: 8 / 2 s
    expect(times[60]).toBeGreaterThanOrEqual(30_000); // 61st: 60 / 30 s
    expect(
      refusedByTeams(
        times.map((time) => ({ time, conversation: 'a:1' })),
        1000,
      ),
    ).toBe(0);
  });

  it('spends the conversation budget only for sends, and other conversations are not held back', () => {
    const clock = manualClock(0);
    const limiter = new TeamsRateLimiter({ tenantPerSecond: 1000 }, clock.now);
    for (let i = 0; i < 7; i++) limiter.reserve({ tenant: 't1', conversation: 'a:busy' });
    expect(limiter.reserve({ tenant: 't1', conversation: 'a:busy' })).toBe(1000);
    expect(limiter.reserve({ tenant: 't1', conversation: 'a:quiet' })).toBe(0);
    expect(limiter.reserve({ tenant: 't1' })).toBe(0);
  });

  it('pauses the tenant after a 429 until Retry-After has passed', () => {
    const clock = manualClock(10_000);
    const limiter = new TeamsRateLimiter({ tenantPerSecond: 30 }, clock.now);
    limiter.pause('t1', 3000);
    expect(limiter.reserve({ tenant: 't1' })).toBe(3000);
    expect(limiter.reserve({ tenant: 'other' })).toBe(0);
    clock.advance(3000);
    expect(limiter.reserve({ tenant: 't1' })).toBe(0);
  });

  it('adds the safety margin to every window', () => {
    const clock = manualClock(0);
    const limiter = new TeamsRateLimiter({ tenantPerSecond: 2, marginMs: 50 }, clock.now);
    expect([0, 1, 2, 3].map(() => limiter.reserve({ tenant: 't1' }))).toEqual([0, 0, 1050, 1050]);
  });

  it('paces a fractional rate as one request per period', () => {
    const clock = manualClock(0);
    const limiter = new TeamsRateLimiter({ tenantPerSecond: 0.5 }, clock.now);
    expect([0, 1, 2].map(() => limiter.reserve({ tenant: 't1' }))).toEqual([0, 2000, 4000]);
  });

  it('forgets quiet keys, so memory stays bounded over many starters', () => {
    const clock = manualClock(0);
    const limiter = new TeamsRateLimiter({ tenantPerSecond: 1000 }, clock.now);
    for (let i = 0; i < 3000; i++) {
      clock.set(i * 1000);
      limiter.reserve({ tenant: 't1', conversation: `a:${i}` });
    }
    const longest = TEAMS_CONVERSATION_WINDOWS.reduce((m, w) => Math.max(m, w.windowMs), 0);
    expect(limiter.size).toBeLessThanOrEqual(longest / 1000 + 2);
  });

  it('never schedules a request Teams would refuse, whatever the arrivals (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 400 }), conversation: fc.constantFrom(undefined, 'a:1', 'a:2', 'a:3') }), {
          minLength: 1,
          maxLength: 200,
        }),
        fc.integer({ min: 1, max: 40 }),
        (arrivals, perSecond) => {
          const clock = manualClock(0);
          const limiter = new TeamsRateLimiter({ tenantPerSecond: perSecond }, clock.now);
          let at = 0;
          const requests = arrivals.map((a) => ({ at: (at += a.gap), conversation: a.conversation }));
          const times = schedule(limiter, clock, requests);
          const sends = times.map((time, i) => ({ time, conversation: requests[i]?.conversation }));
          return refusedByTeams(sends, perSecond) === 0 && times.every((t, i) => t >= (requests[i]?.at ?? 0));
        },
      ),
      { numRuns: 200 },
    );
  });
});
