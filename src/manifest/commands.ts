/**
 * The commands the bot advertises in Teams (the manifest's command lists), taken from the bot's one command list, so
 * Teams never suggests a command the bot does not understand.
 */

import { COMMANDS, type CommandDefinition, type CommandScope } from '../routing/commands';

/** Where a bot command is offered: the user's 1:1 chat, a team channel, or a group chat. */
export type BotScope = CommandScope;

/** One advertised command, as the manifest's command lists take it: a command's menu entry, titled by its first word. */
export type BotCommand = NonNullable<CommandDefinition['menu']> & {
  /** What the user types (Teams inserts it into the compose box), matched as the whole message. */
  readonly title: string;
};

/** Every command the bot advertises, in the order Teams shows them: the bot's own command list (src/routing/commands.ts). */
export const BOT_COMMANDS: readonly BotCommand[] = Object.freeze(COMMANDS.flatMap((c) => (c.menu ? [{ ...c.menu, title: c.words[0] }] : [])));

/** The commands offered in one scope, in menu order. */
export function commandsForScope(scope: BotScope): readonly BotCommand[] {
  return BOT_COMMANDS.filter((command) => command.scopes.includes(scope));
}
