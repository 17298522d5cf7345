import { isGraphError } from '../graph/graphClient';
import { ChannelError } from './channelError';
import { classifyDeliveryError } from './classify';

/** What the delivery engine does after an attempt failed. */
export type RetryDecision =
  { readonly kind: 'retry'; readonly delayMs: number; readonly throttled: boolean } | { readonly kind: 'giveUp'; readonly reason: string };

export interface RetrySettings {
  /** Attempts for a transient failure (412, 5xx, network, storage) before giving up. */
  readonly maxAttempts: number;
  /** Throttled (429) attempts before giving up: they are Teams asking us to wait, not failures, so the cap is generous. */
  readonly maxThrottles: number;
  /** First backoff; doubles per attempt, with jitter. */
  readonly baseDelayMs: number;
  /** Longest backoff. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { maxAttempts: 5, maxThrottles: 50, baseDelayMs: 1000, maxDelayMs: 60_000 };

/** The work asked to be tried again later (e.g. the starter's welcome is being sent by another event right now). */
export class TryLaterError extends Error {
  override name = 'TryLaterError';
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/**
 * Teams' retry rules in one place: 429 waits for Retry-After (or backs off when it is missing); 412, 500,
 * 502, 503, 504 and network errors back off exponentially with jitter; every other 4xx is final. Errors
 * that are not Teams' (storage, Graph 5xx) are retried like transient ones. `attempt` counts from 1.
 */
export function decideRetry(
  error: unknown,
  counts: { readonly attempts: number; readonly throttles: number },
  settings: RetrySettings,
  random: () => number = Math.random,
): RetryDecision {
  if (error instanceof TryLaterError) {
    return counts.attempts < settings.maxAttempts * 4
      ? { kind: 'retry', delayMs: error.delayMs, throttled: false }
      : { kind: 'giveUp', reason: 'It could not be sent; try again later.' };
  }
  if (isGraphError(error)) {
    const retryable = error.status === 429 || error.status >= 500;
    if (!retryable) return { kind: 'giveUp', reason: `The directory look-up failed (${error.status}).` };
    return transient(counts.attempts, settings, random);
  }
  const hasStatus = error instanceof ChannelError;
  const failure = classifyDeliveryError(error);
  switch (failure.kind) {
    case 'throttled': {
      if (counts.throttles >= settings.maxThrottles) return { kind: 'giveUp', reason: 'Teams kept asking us to slow down; try again later.' };
      const delayMs = failure.retryAfterMs ?? backoff(counts.throttles + 1, settings, random);
      return { kind: 'retry', delayMs, throttled: true };
    }
    case 'transient':
      return transient(counts.attempts, settings, random);
    case 'fatal':
      // A failure without an HTTP status is ours (storage, a bug's exception), not Teams refusing: worth another go.
      return hasStatus ? { kind: 'giveUp', reason: failure.reason } : transient(counts.attempts, settings, random);
    case 'notInstalled':
      return { kind: 'giveUp', reason: 'The app is not installed for them.' };
    case 'gone':
      return { kind: 'giveUp', reason: 'Their chat with the bot no longer exists.' };
  }
}

function transient(attempts: number, settings: RetrySettings, random: () => number): RetryDecision {
  if (attempts >= settings.maxAttempts) return { kind: 'giveUp', reason: 'Teams kept failing; try again later.' };
  return { kind: 'retry', delayMs: backoff(attempts, settings, random), throttled: false };
}

/** Exponential backoff with "equal jitter": half the step fixed, half random, so retries spread but never bunch at 0. */
export function backoff(attempt: number, settings: Pick<RetrySettings, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const step = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
