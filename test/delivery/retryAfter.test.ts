import { ChannelError } from '../../src/delivery/channelError';
import { classifyDeliveryError } from '../../src/delivery/classify';
import { parseRetryAfter } from '../../src/delivery/retryAfter';
import { channelErrorOf } from '../../src/teams/channelErrors';

const NOW = Date.UTC(2026, 11, 7, 10, 0, 0);

describe('parseRetryAfter (the one Retry-After reader, for Teams and Graph)', () => {
  it('reads delay-seconds as milliseconds', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
  });

  it('reads an HTTP-date as the time left until it, and a date gone by as no wait', () => {
    expect(parseRetryAfter(new Date(NOW + 7000).toUTCString(), NOW)).toBe(7000);
    expect(parseRetryAfter(new Date(NOW - 60_000).toUTCString(), NOW)).toBe(0);
  });

  it('gives undefined for a missing or unreadable header, so the caller backs off by its own rule', () => {
    for (const value of [undefined, null, '', 'soon', '-5', '3s', 'NaN']) expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe('channelErrorOf (the Teams edge reads botbuilder errors for the core)', () => {
  it('turns a connector error with a status into a ChannelError the classifier reads', () => {
    const restError = Object.assign(new Error('Too many requests'), {
      statusCode: 429,
      code: 'Throttled',
      response: { headers: { get: (name: string) => (name === 'retry-after' ? '4' : undefined) } },
    });
    const read = channelErrorOf(restError);
    expect(read).toBeInstanceOf(ChannelError);
    expect(read).toMatchObject({ status: 429, code: 'Throttled', retryAfterMs: 4000 });
    expect(classifyDeliveryError(read)).toEqual({ kind: 'throttled', retryAfterMs: 4000 });
  });

  it('finds Teams’ error code in the body, for a chat the user removed', () => {
    const restError = Object.assign(new Error('Not Found'), {
      statusCode: 404,
      body: { error: { code: 'ConversationNotFound', message: 'Conversation not found.' } },
    });
    expect(classifyDeliveryError(channelErrorOf(restError))).toEqual({ kind: 'gone' });
  });

  it('leaves network failures as they are: transient, not a Teams answer', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(channelErrorOf(reset)).toBe(reset);
    expect(classifyDeliveryError(reset)).toEqual({ kind: 'transient' });
  });

  it('does not let an SDK error shape reach the core unread: a raw status-bearing object is no Teams answer there', () => {
    // The core reads only ChannelError; a status on some other error is not taken for Teams refusing the message.
    expect(classifyDeliveryError(Object.assign(new Error('x'), { statusCode: 400 }))).toEqual({ kind: 'fatal', reason: 'Teams could not be reached.' });
  });
});
