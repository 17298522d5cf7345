import type { CardJson } from '../cards/render';
import type { ChatAddress } from '../state/chatAddress';
import type { RecordSeen, UserRef } from '../state/users';

/** Where an activity happened: a personal (1:1) chat, or a shared one (group chat or channel). */
export type Scope = 'personal' | 'shared';

/** Who sent the activity, as the authenticated activity names them (bounded by the Teams edge). */
export interface Sender {
  /** The sender's id in this bot's scope (29:…): cards refresh for this id. */
  readonly teamsId: string;
  /** Entra object id: the only thing the LA policy trusts. */
  readonly aadObjectId: string | undefined;
  /** Display name, capped; for the LA's name on a push. */
  readonly name: string | undefined;
}

/**
 * One turn as the routes see it: who, where, and the few things the chat edge does for them. No SDK type here: the
 * Teams edge (src/teams/welcomeBot.ts) builds it from botbuilder's TurnContext.
 */
export interface ChatTurn {
  readonly user: UserRef;
  readonly scope: Scope;
  readonly sender: Sender;
  /** How to reach this chat again (stored by the prelude's "remember"). */
  readonly address: ChatAddress;
  /**
   * In the user's own chat, their record as the prelude's "remember" left it: what changes their progress uses it
   * rather than reading the record again (one read of it per turn). Absent in shared chats and before the prelude.
   */
  readonly record?: RecordSeen | undefined;
  /** Posts a card into the conversation now (besides the turn's answer). */
  send(card: CardJson): Promise<void>;
  /** The sender's UPN from Teams (one member look-up), or undefined when Teams will not say. */
  memberAddress(): Promise<string | undefined>;
}
