/**
 * The error bodies the Teams Bot Connector service (smba.trafficmanager.net) answers with, as documented in
 * "Status codes from bot conversational APIs" (msteams-docs, conversation-messages.md) and as reported from
 * real tenants. The envelope is the Bot Framework `ErrorResponse`: `{ error: { code, message } }`.
 */
import type { JsonObject } from './loopback';

/** `{ error: { code, message } }`, the Bot Connector error envelope. */
export function teamsErrorBody(code: string, message: string): JsonObject {
  return { error: { code, message } };
}

/** Documented code and message for each failure the bot must handle. */
export const TEAMS_ERRORS = Object.freeze({
  /** 400: malformed request. */
  badArgument: { status: 400, code: 'BadArgument', message: 'Invalid request payload.' },
  /**
   * 400 for a member id that is not a Teams/Entra id, e.g. an email or UPN. Field reports (trial tenants) say
   * Teams answers `BadSyntax` here; the message text is ours.
   */
  badSyntax: { status: 400, code: 'BadSyntax', message: 'Incorrect conversation creation parameters' },
  /** 400 for a well-formed member id that is no user of the tenant (field report: MemberNotFoundInConversation). */
  memberNotFoundOnCreate: {
    status: 400,
    code: 'MemberNotFoundInConversation',
    message: 'The member was not found in the tenant.',
  },
  /** 401: the Bot Connector's ASP.NET answer to a missing or refused bearer token (body has no `error`). */
  unauthorized: { status: 401, code: '', message: 'Authorization has been denied for this request.' },
  /** 401: bot registration missing. */
  botNotRegistered: { status: 401, code: 'BotNotRegistered', message: 'No registration found for this bot.' },
  /** 403: tenant admin blocked the app. */
  botDisabledByAdmin: { status: 403, code: 'BotDisabledByAdmin', message: 'The tenant admin disabled this bot' },
  /** 403: the bot is no longer in the conversation (app uninstalled, chat deleted). */
  botNotInConversationRoster: {
    status: 403,
    code: 'BotNotInConversationRoster',
    message: 'The bot is not part of the conversation roster.',
  },
  /** 403: the user blocked the bot. */
  conversationBlockedByUser: {
    status: 403,
    code: 'ConversationBlockedByUser',
    message: 'User blocked the conversation with the bot.',
  },
  /**
   * 403 on create conversation when the app is not installed for the user in personal scope. The docs table gives
   * code `ForbiddenOperationException` with "Bot isn't installed in user's personal scope"; tenants report the
   * message as "Bot is not installed in user's personal scope". Older write-ups (and our facts file) name
   * `BotNotInConversationRoster`: a bot must treat all three as "not installed".
   */
  notInstalledPersonal: {
    status: 403,
    code: 'ForbiddenOperationException',
    message: "Bot is not installed in user's personal scope",
  },
  /** 404: conversation deleted or never existed. */
  conversationNotFound: { status: 404, code: 'ConversationNotFound', message: 'Conversation not found.' },
  /** 404: the activity id to update/delete is not in the conversation. */
  activityNotFound: {
    status: 404,
    code: 'ActivityNotFoundInConversation',
    message: 'Conversation not found.',
  },
  /** 404: `GET …/members/{id}` for someone not in the conversation. */
  memberNotFound: {
    status: 404,
    code: 'MemberNotFoundInConversation',
    message: 'The member was not found in the conversation.',
  },
  /** 412: concurrent operations on the same conversation; retry with backoff. */
  preconditionFailed: {
    status: 412,
    code: 'PreconditionFailed',
    message: 'Precondition failed, please try again.',
  },
  /** 413: payload over the message size limit. */
  messageSizeTooBig: { status: 413, code: 'MessageSizeTooBig', message: 'Message size too large.' },
  /** 429: over a rate limit; `Retry-After` says when. */
  throttled: { status: 429, code: 'Throttled', message: 'Too many requests.' },
  /** 500 and 502: service errors. */
  serviceError: { status: 500, code: 'ServiceError', message: 'Internal server error.' },
} as const);

/** Default code and message for a status, used when `failNext` is given only a status. */
export function defaultTeamsError(status: number): { code: string; message: string } {
  switch (status) {
    case 400:
      return TEAMS_ERRORS.badArgument;
    case 401:
      return TEAMS_ERRORS.botNotRegistered;
    case 403:
      return TEAMS_ERRORS.botNotInConversationRoster;
    case 404:
      return TEAMS_ERRORS.conversationNotFound;
    case 412:
      return TEAMS_ERRORS.preconditionFailed;
    case 413:
      return TEAMS_ERRORS.messageSizeTooBig;
    case 429:
      return TEAMS_ERRORS.throttled;
    case 502:
      return { code: 'ServiceError', message: 'Service dependency issue.' };
    case 503:
      return { code: 'ServiceUnavailable', message: 'Service is unavailable.' };
    case 504:
      return { code: 'GatewayTimeout', message: 'Gateway Timeout.' };
    default:
      return TEAMS_ERRORS.serviceError;
  }
}
