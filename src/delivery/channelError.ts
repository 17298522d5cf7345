/**
 * A call to the chat channel (Teams) that got an HTTP answer other than success, as the Teams edge read it from
 * its SDK's error (src/teams/channelErrors.ts). The core classifies and retries these, and knows no SDK's error
 * shape: botbuilder's RestError has `statusCode`, the Agents SDK's errors have `status`; only the edge changes.
 */
export class ChannelError extends Error {
  override name = 'ChannelError';

  constructor(
    /** The HTTP status Teams answered. */
    readonly status: number,
    /** Teams' error code (e.g. "ConversationNotFound"), for logs: never user text. */
    readonly code: string,
    /** Teams' error code and message together, bounded: what the classifier matches ("not installed", "blocked"). */
    readonly detail: string,
    /** How long Teams asked us to wait (429), when it said. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(`Teams answered ${status}`);
  }
}
