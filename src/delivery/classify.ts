import { ChannelError } from './channelError';

/** How a failed call to Teams should be treated. */
export type FailureKind =
  | { readonly kind: 'throttled'; readonly retryAfterMs: number | undefined }
  | { readonly kind: 'transient' }
  | { readonly kind: 'notInstalled' }
  | { readonly kind: 'gone' }
  | { readonly kind: 'fatal'; readonly reason: string };

const NOT_INSTALLED = /not installed in user'?s personal scope|isn'?t installed|BotNotInConversationRoster|ForbiddenOperationException/i;

/**
 * What to do next after a call to Teams failed: a ChannelError (Teams answered; the Teams edge made it from its
 * SDK's error) by its status and Teams' error code, anything else by whether it looks like a network failure.
 */
export function classifyDeliveryError(error: unknown): FailureKind {
  if (!(error instanceof ChannelError)) {
    const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
    const text = `${typeof e.code === 'string' ? e.code : ''} ${typeof e.message === 'string' ? e.message : ''}`;
    if (/ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|socket hang up/i.test(text)) return { kind: 'transient' };
    return { kind: 'fatal', reason: 'Teams could not be reached.' };
  }
  const { status, detail: text } = error;
  if (status === 429) return { kind: 'throttled', retryAfterMs: error.retryAfterMs };
  if (status === 412 || status === 502 || status === 503 || status === 504 || status === 500) return { kind: 'transient' };
  if (status === 404 && /ConversationNotFound/i.test(text)) return { kind: 'gone' };
  if (status === 403 && NOT_INSTALLED.test(text)) return { kind: 'notInstalled' };
  if (status === 403 && /ConversationBlockedByUser/i.test(text)) return { kind: 'fatal', reason: 'They have blocked the bot in Teams.' };
  if (status === 403 && /BotDisabledByAdmin/i.test(text)) return { kind: 'fatal', reason: 'Your Teams administrators have disabled this app.' };
  if (status === 413) return { kind: 'fatal', reason: 'The message was too large for Teams.' };
  if (status === 401) return { kind: 'fatal', reason: 'The bot is not registered correctly with Teams (401).' };
  if (status === 400) return { kind: 'fatal', reason: 'Teams did not accept this user (they may not be in your organisation).' };
  return { kind: 'fatal', reason: `Teams refused the message (${status}).` };
}
