/**
 * The commands the bot advertises in Teams (the manifest's command lists), as data.
 *
 * This is the one list both sides read: the manifest builder turns it into `commandLists`, and the
 * bot's command parser is tested against it, so Teams never suggests a command the bot does not
 * understand. It imports nothing, so the bot can import it without pulling in the packaging code.
 */

/** Where a bot command is offered: the user's 1:1 chat, a team channel, or a group chat. */
export type BotScope = 'personal' | 'team' | 'groupChat';

/** Stable ids of the advertised commands (a command's title is what the user types). */
export type BotCommandId = 'help' | 'continue' | 'progress' | 'restart' | 'forget' | 'welcome' | 'status';

/** Who a command is for: every user, or only Local Administrators (others are refused politely). */
export type CommandAudience = 'everyone' | 'localAdministrator';

/** One advertised command. */
export interface BotCommand {
  readonly id: BotCommandId;
  /** What the user types (Teams inserts it into the compose box), matched as the whole message or its first word. */
  readonly title: string;
  /** Shown under the title in Teams' command menu. */
  readonly description: string;
  readonly scopes: readonly BotScope[];
  readonly audience: CommandAudience;
  /**
   * Present when the command takes text after its title, e.g. `welcome jane.doe@nhs.net`.
   * `example` is a complete message the bot must accept.
   */
  readonly argument?: { readonly name: 'recipients'; readonly example: string };
}

/** Every command the bot advertises, in the order Teams shows them. */
export const BOT_COMMANDS: readonly BotCommand[] = Object.freeze([
  {
    id: 'help',
    title: 'help',
    description: 'What I can do for you, and how to reach the helpdesk',
    scopes: ['personal', 'team', 'groupChat'],
    audience: 'everyone',
  },
  {
    id: 'continue',
    title: 'continue',
    description: 'Carry on with your welcome from the next step',
    scopes: ['personal'],
    audience: 'everyone',
  },
  {
    id: 'progress',
    title: 'progress',
    description: 'Your checklist: what you have done and what is left',
    scopes: ['personal'],
    audience: 'everyone',
  },
  {
    id: 'restart',
    title: 'restart',
    description: 'Start the welcome again from the beginning',
    scopes: ['personal'],
    audience: 'everyone',
  },
  {
    id: 'forget',
    title: 'forget me',
    description: 'Delete what I have stored about you',
    scopes: ['personal'],
    audience: 'everyone',
  },
  {
    id: 'welcome',
    title: 'welcome',
    description: 'welcome jane.doe@nhs.net: send the welcome journey to new starters (Local Administrators)',
    scopes: ['personal'],
    audience: 'localAdministrator',
    argument: { name: 'recipients', example: 'welcome jane.doe@nhs.net' },
  },
  {
    id: 'status',
    title: 'status',
    description: 'Your recent pushes and whether each welcome was delivered (Local Administrators)',
    scopes: ['personal'],
    audience: 'localAdministrator',
  },
] satisfies readonly BotCommand[]);

/** The commands offered in one scope, in menu order. */
export function commandsForScope(scope: BotScope): readonly BotCommand[] {
  return BOT_COMMANDS.filter((command) => command.scopes.includes(scope));
}
