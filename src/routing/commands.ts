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

const COMMANDS: Readonly<Record<string, Command['kind']>> = {
  help: 'help',
  '?': 'help',
  menu: 'help',
  start: 'start',
  begin: 'start',
  restart: 'restart',
  'start again': 'restart',
  continue: 'continue',
  resume: 'continue',
  next: 'continue',
  progress: 'progress',
  checklist: 'progress',
  'my checklist': 'progress',
  status: 'status',
  welcome: 'laHome',
  'new starters': 'laHome',
  'forget me': 'forget',
  'delete my data': 'forget',
  'export my data': 'export',
  'my data': 'export',
  'what do you know about me': 'export',
};

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
  const kind = COMMANDS[normalised];
  if (kind === undefined || kind === 'question' || kind === 'push') return { kind: 'question', text: text.trim() };
  return { kind } as Command;
}
