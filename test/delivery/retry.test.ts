import { classifyDeliveryError } from '../../src/delivery/classify';
import { backoff, decideRetry, DEFAULT_RETRY, TryLaterError } from '../../src/delivery/retry';
import { GraphError } from '../../src/graph/graphClient';
import { channelErrorOf } from '../../src/teams/channelErrors';

/** An error shaped like botbuilder's connector errors (RestError): statusCode, response headers, Teams' body. */
function teamsError(statusCode: number, code = '', retryAfter?: string): unknown {
  return channelErrorOf(
    Object.assign(new Error(`${code}`), {
      statusCode,
      code,
      body: { error: { code, message: code } },
      response: { headers: { get: (name: string) => (name.toLowerCase() === 'retry-after' ? retryAfter : undefined) } },
    }),
  );
}

const first = { attempts: 1, throttles: 0 };
const half = () => 0.5;

describe('decideRetry (Teams retry rules)', () => {
  it('waits exactly Retry-After on 429', () => {
    expect(decideRetry(teamsError(429, 'Throttled', '3'), first, DEFAULT_RETRY)).toEqual({ kind: 'retry', delayMs: 3000, throttled: true });
  });

  it('backs off on a 429 without Retry-After', () => {
    const d = decideRetry(teamsError(429, 'Throttled'), first, DEFAULT_RETRY, half);
    expect(d).toEqual({ kind: 'retry', delayMs: 750, throttled: true });
  });

  it('does not count throttling as failure, but caps it', () => {
    expect(decideRetry(teamsError(429, 'Throttled', '1'), { attempts: 1, throttles: DEFAULT_RETRY.maxThrottles - 1 }, DEFAULT_RETRY).kind).toBe('retry');
    expect(decideRetry(teamsError(429, 'Throttled', '1'), { attempts: 1, throttles: DEFAULT_RETRY.maxThrottles }, DEFAULT_RETRY).kind).toBe('giveUp');
  });

  it.each([412, 500, 502, 503, 504])('backs off with jitter on %i, doubling per attempt', (status) => {
    const low = decideRetry(teamsError(status), { attempts: 3, throttles: 0 }, DEFAULT_RETRY, () => 0);
    const high = decideRetry(teamsError(status), { attempts: 3, throttles: 0 }, DEFAULT_RETRY, () => 0.999);
    // Attempt 3: step 4 s, equal jitter: between 2 s and 4 s.
    expect(low).toEqual({ kind: 'retry', delayMs: 2000, throttled: false });
    expect(high.kind === 'retry' && high.delayMs).toBeGreaterThan(3990);
  });

  it('gives up after maxAttempts transient failures', () => {
    expect(decideRetry(teamsError(503), { attempts: DEFAULT_RETRY.maxAttempts, throttles: 0 }, DEFAULT_RETRY)).toEqual({
      kind: 'giveUp',
      reason: 'Teams kept failing; try again later.',
    });
  });

  it.each([
    [400, 'BadArgument', 'Teams did not accept this user'],
    [401, 'BotNotRegistered', 'not registered correctly'],
    [403, 'ConversationBlockedByUser', 'blocked the bot'],
    [403, 'BotDisabledByAdmin', 'disabled this app'],
    [403, 'BotNotInConversationRoster', 'not installed'],
    [404, 'ConversationNotFound', 'no longer exists'],
    [413, 'MessageSizeTooBig', 'too large'],
  ])('never retries %i %s', (status, code, reason) => {
    const d = decideRetry(teamsError(status, code), first, DEFAULT_RETRY);
    expect(d.kind).toBe('giveUp');
    expect(d.kind === 'giveUp' && d.reason).toContain(reason);
  });

  it('retries network errors and our own (storage) failures as transient', () => {
    expect(decideRetry(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), first, DEFAULT_RETRY, half).kind).toBe('retry');
    expect(decideRetry(new Error('disk full'), first, DEFAULT_RETRY, half).kind).toBe('retry');
  });

  it('retries Graph 429 and 5xx, not other Graph failures', () => {
    expect(decideRetry(new GraphError(503, 'ServiceUnavailable'), first, DEFAULT_RETRY, half).kind).toBe('retry');
    expect(decideRetry(new GraphError(403, 'Authorization_RequestDenied'), first, DEFAULT_RETRY).kind).toBe('giveUp');
  });

  it('comes back when asked to try later', () => {
    expect(decideRetry(new TryLaterError('busy', 30_000), first, DEFAULT_RETRY)).toEqual({ kind: 'retry', delayMs: 30_000, throttled: false });
  });
});

describe('backoff', () => {
  it('doubles from the base and stops at the cap', () => {
    const settings = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoff(a, settings, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5, 6].map((a) => backoff(a, settings, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
  });
});

describe('classifyDeliveryError', () => {
  it('reads Retry-After seconds from a 429', () => {
    expect(classifyDeliveryError(teamsError(429, 'Throttled', '2'))).toEqual({ kind: 'throttled', retryAfterMs: 2000 });
  });

  it("treats every form of Teams' not-installed answer as not installed", () => {
    for (const code of ['BotNotInConversationRoster', 'ForbiddenOperationException']) {
      expect(classifyDeliveryError(teamsError(403, code)).kind).toBe('notInstalled');
    }
  });
});
