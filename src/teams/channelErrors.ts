import { ChannelError } from '../delivery/channelError';
import { parseRetryAfter } from '../delivery/retryAfter';

/** Longest Teams error text kept for classification. */
const MAX_DETAIL = 2000;

/**
 * Reads botbuilder's connector error (@azure/core-rest-pipeline's RestError: `statusCode`, `code`, `response.headers`,
 * and Teams' body `{ error: { code, message } }`) into the core's ChannelError. Anything without an HTTP status
 * (a reset connection, a DNS failure, our own bug) is returned as it is: the classifier treats those by their code.
 */
export function channelErrorOf(error: unknown): unknown {
  if (typeof error !== 'object' || error === null || error instanceof ChannelError) return error;
  const e = error as {
    statusCode?: unknown;
    code?: unknown;
    message?: unknown;
    body?: unknown;
    response?: { headers?: { get?: (name: string) => string | null | undefined } };
  };
  if (typeof e.statusCode !== 'number') return error;
  const code = typeof e.code === 'string' ? e.code.slice(0, 100) : '';
  const detail = `${code} ${typeof e.message === 'string' ? e.message : ''} ${safeStringify(e.body)}`.slice(0, MAX_DETAIL);
  return new ChannelError(e.statusCode, code, detail, parseRetryAfter(e.response?.headers?.get?.('retry-after')));
}

/** Runs a call to Teams, turning its SDK's errors into ChannelError. */
export async function callingTeams<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw channelErrorOf(error);
  }
}

function safeStringify(value: unknown): string {
  try {
    return value === undefined ? '' : JSON.stringify(value);
  } catch {
    return '';
  }
}
