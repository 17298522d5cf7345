import type { ProgressFilter } from '../admin/intake';

/** "status not started", "status must-do", "status finished": an LA's status filtered by progress. */
const STATUS_FILTERS: Readonly<Record<string, ProgressFilter>> = {
  'not started': 'notStarted',
  'must-do': 'mustDoOutstanding',
  'must do': 'mustDoOutstanding',
  outstanding: 'mustDoOutstanding',
  finished: 'finished',
};

/** What a typed message asks for. Commands match the whole message (case-insensitive), never a substring. */
export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'start' }
  | { readonly kind: 'restart' }
  | { readonly kind: 'continue' }
  | { readonly kind: 'progress' }
  | { readonly kind: 'forget' }
  | { readonly kind: 'export' }
  | { readonly kind: 'status'; readonly progress?: ProgressFilter }
  | { readonly kind: 'laHome' }
  | { readonly kind: 'push'; readonly addresses: string }
  | { readonly kind: 'question'; readonly text: string };

/** Where Teams offers a command in its menu: the user's 1:1 chat, a team channel, or a group chat. */
export type CommandScope = 'personal' | 'team' | 'groupChat';

/**
 * One command, defined here and nowhere else: the words that mean it (the whole message, any case), and where it is
 * shown. The manifest's command lists (src/manifest/commands.ts) and the help card (JourneyCards.help) are built from
 * this list, so Teams never suggests, and the help card never names, a command the bot does not understand.
 */
export interface CommandDefinition {
  readonly kind: Exclude<Command['kind'], 'question' | 'push'>;
  /** Lower-case; the first is the one shown (Teams' menu, the help card). */
  readonly words: readonly [string, ...string[]];
  /** In Teams' command menu: the description shown under it, where, and for whom. */
  readonly menu?: {
    readonly id: string;
    readonly description: string;
    readonly scopes: readonly CommandScope[];
    readonly audience: 'everyone' | 'localAdministrator';
    /** The command takes text after its first word; `example` is a complete message the bot must accept. */
    readonly argument?: { readonly name: 'recipients'; readonly example: string };
  };
  /** On the help card: what it does, in the starters' section or the Local Administrators'. */
  readonly help?: { readonly section: 'everyone' | 'la'; readonly text: string };
}

export const COMMANDS: readonly CommandDefinition[] = [
  {
    kind: 'help',
    words: ['help', '?', 'menu'],
    menu: {
      id: 'help',
      description: 'What I can do for you, and how to reach the helpdesk',
      scopes: ['personal', 'team', 'groupChat'],
      audience: 'everyone',
    },
    help: { section: 'everyone', text: 'show this card' },
  },
  {
    kind: 'continue',
    words: ['continue', 'resume', 'next'],
    menu: { id: 'continue', description: 'Carry on with your welcome from the next step', scopes: ['personal'], audience: 'everyone' },
    help: { section: 'everyone', text: 'carry on where you left off' },
  },
  {
    kind: 'progress',
    words: ['progress', 'checklist', 'my checklist'],
    menu: { id: 'progress', description: 'Your checklist: what you have done and what is left', scopes: ['personal'], audience: 'everyone' },
    help: { section: 'everyone', text: 'see your checklist: what is done and what is left' },
  },
  {
    kind: 'restart',
    words: ['restart', 'start again'],
    menu: { id: 'restart', description: 'Start the welcome again from the beginning', scopes: ['personal'], audience: 'everyone' },
    help: { section: 'everyone', text: 'go back to the first step (your ticks are kept)' },
  },
  { kind: 'start', words: ['start', 'begin'] },
  {
    kind: 'forget',
    words: ['forget me', 'delete my data'],
    menu: { id: 'forget', description: 'Delete what I have stored about you', scopes: ['personal'], audience: 'everyone' },
    help: { section: 'everyone', text: 'erase everything I have stored about you' },
  },
  {
    kind: 'export',
    words: ['export my data', 'my data', 'what do you know about me'],
    help: { section: 'everyone', text: 'see everything I have stored about you' },
  },
  {
    kind: 'laHome',
    words: ['welcome', 'new starters'],
    menu: {
      id: 'welcome',
      description: 'welcome jane.doe@nhs.net: send the welcome journey to new starters (Local Administrators)',
      scopes: ['personal'],
      audience: 'localAdministrator',
      argument: { name: 'recipients', example: 'welcome jane.doe@nhs.net' },
    },
    help: {
      section: 'la',
      text: 'the form to paste a list of addresses; or type the addresses after it (welcome jane.doe@nhs.net, …) to send the welcome journey to those new starters, naming you',
    },
  },
  {
    kind: 'status',
    words: ['status'],
    menu: {
      id: 'status',
      description: 'Your recent pushes and whether each welcome was delivered (Local Administrators)',
      scopes: ['personal'],
      audience: 'localAdministrator',
    },
    help: {
      section: 'la',
      text: 'your starters and how far they have got; filter by push or progress (status not started, status must-do, status finished)',
    },
  },
];

const KIND_OF_WORDS: ReadonlyMap<string, CommandDefinition['kind']> = new Map(COMMANDS.flatMap((c) => c.words.map((w) => [w, c.kind] as const)));

/** The help card's lines for one section: each command's first word and what it does. */
export function helpLines(section: 'everyone' | 'la'): { title: string; value: string }[] {
  return COMMANDS.filter((c) => c.help?.section === section).map((c) => ({ title: c.words[0], value: c.help?.text ?? '' }));
}

/** Parses a message (mention already removed) into a command, or a question for the answerer. */
export function parseCommand(text: string): Command {
  const normalised = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\u00a0]+/g, ' ')
    .replace(/^[\s/]+|[\s.!]+$/g, '');
  // "welcome jane.doe@nhs.net, …": an LA push (the addresses may span several lines).
  const push = /^\s*(?:welcome|push)\s+([\s\S]*@[\s\S]*)$/i.exec(text);
  if (push?.[1] !== undefined) return { kind: 'push', addresses: push[1] };
  const status = /^status (.+)$/.exec(normalised);
  const progress = status?.[1] !== undefined ? STATUS_FILTERS[status[1]] : undefined;
  if (progress !== undefined) return { kind: 'status', progress };
  const kind = KIND_OF_WORDS.get(normalised);
  if (kind === undefined) return { kind: 'question', text: text.trim() };
  return { kind } as Command;
}
