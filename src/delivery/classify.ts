/** How a failed call to Teams should be treated. */
export type FailureKind =
  | { readonly kind: 'throttled'; readonly retryAfterMs: number | undefined }
  | { readonly kind: 'transient' }
  | { readonly kind: 'notInstalled' }
  | { readonly kind: 'gone' }
  | { readonly kind: 'fatal'; readonly reason: string };

const NOT_INSTALLED = /not installed in user'?s personal scope|isn'?t installed|BotNotInConversationRoster|ForbiddenOperationException/i;

/** Reads a botbuilder/connector error (statusCode, Teams error code in the body or message) into what to do next. */
export function classifyDeliveryError(error: unknown): FailureKind {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    statusCode?: unknown;
    code?: unknown;
    message?: unknown;
    body?: unknown;
    response?: { headers?: { get?: (name: string) => string | undefined } };
  };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const text = `${typeof e.code === 'string' ? e.code : ''} ${typeof e.message === 'string' ? e.message : ''} ${safeStringify(e.body)}`;
  if (status === undefined) {
    if (/ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|socket hang up/i.test(text)) return { kind: 'transient' };
    return { kind: 'fatal', reason: 'Teams could not be reached.' };
  }
  if (status === 429) {
    const header = e.response?.headers?.get?.('retry-after');
    const seconds = header !== undefined ? Number(header) : NaN;
    return { kind: 'throttled', retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : undefined };
  }
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

function safeStringify(value: unknown): string {
  try {
    return value === undefined ? '' : JSON.stringify(value);
  } catch {
    return '';
  }
}
