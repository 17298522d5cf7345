/**
 * The commands the bot advertises in Teams (the manifest's command lists), taken from the bot's one command list, so
 * Teams never suggests a command the bot does not understand.
 */

import { COMMANDS, type CommandScope } from '../routing/commands';

/** Where a bot command is offered: the user's 1:1 chat, a team channel, or a group chat. */
export type BotScope = CommandScope;

/** One advertised command, as the manifest's command lists take it. */
export interface BotCommand {
  readonly id: string;
  /** What the user types (Teams inserts it into the compose box), matched as the whole message. */
  readonly title: string;
  /** Shown under the title in Teams' command menu. */
  readonly description: string;
  readonly scopes: readonly BotScope[];
  readonly audience: 'everyone' | 'localAdministrator';
  /** Present when the command takes text after its title; `example` is a complete message the bot must accept. */
  readonly argument?: { readonly name: 'recipients'; readonly example: string };
}

/** Every command the bot advertises, in the order Teams shows them: the bot's own command list (src/routing/commands.ts). */
export const BOT_COMMANDS: readonly BotCommand[] = Object.freeze(COMMANDS.flatMap((c) => (c.menu ? [{ ...c.menu, title: c.words[0] }] : [])));

/** The commands offered in one scope, in menu order. */
export function commandsForScope(scope: BotScope): readonly BotCommand[] {
  return BOT_COMMANDS.filter((command) => command.scopes.includes(scope));
}
