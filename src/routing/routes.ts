import type { AdminChat } from '../admin/adminChat';
import type { CardAction, CardVerb } from '../cards/cardActions';
import type { CardJson } from '../cards/render';
import type { JourneyCards } from '../cards/views';
import type { JourneyFlow } from '../journey/journeyFlow';
import type { Command } from './commands';
import type { Greeter } from './greeter';
import type { ChatTurn, Scope } from './turn';

/**
 * Who a route is for.
 * - `everyone`: anyone in that scope.
 * - `la`: a Local Administrator. Where a trigger has an `la` row and an `everyone` row (help, status, welcome), the
 *   turn's user is checked quietly and gets the one that fits. Where it has only an `la` row (a push, an LA card's
 *   button), the handler itself checks the LA policy and audits a refusal: every push is audited, refused ones too.
 */
export type Audience = 'everyone' | 'la';

type CommandKind = Command['kind'];
type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>;
type ActionOf<V extends CardVerb> = Extract<CardAction, { verb: V }>;

/** What starts a route: an activity kind (install, uninstall), a typed command, or a card's verb. */
export type Trigger =
  | { readonly on: 'install' }
  | { readonly on: 'uninstall' }
  | { readonly on: 'command'; readonly command: Command }
  | { readonly on: 'card'; readonly action: CardAction };

/** One row of the table. A handler answers with the card to show, or undefined when it has nothing to say. */
export interface Route {
  readonly on: Trigger['on'];
  /** The command kind or card verb; '' for activity kinds. */
  readonly name: string;
  readonly scope: Scope;
  readonly audience: Audience;
  readonly handle: (turn: ChatTurn, trigger: Trigger) => Promise<CardJson | undefined>;
}

function activity(on: 'install' | 'uninstall', scope: Scope, handle: (turn: ChatTurn) => Promise<void>): Route {
  return { on, name: '', scope, audience: 'everyone', handle: async (turn) => void (await handle(turn)) };
}

function command<K extends CommandKind>(
  name: K,
  scope: Scope,
  audience: Audience,
  handle: (turn: ChatTurn, command: CommandOf<K>) => Promise<CardJson> | CardJson,
): Route {
  return {
    on: 'command',
    name,
    scope,
    audience,
    // The table only hands a row the trigger it matched (its kind is this row's name).
    handle: async (turn, trigger) => (trigger.on === 'command' && trigger.command.kind === name ? handle(turn, trigger.command as CommandOf<K>) : undefined),
  };
}

function card<V extends CardVerb>(
  name: V,
  scope: Scope,
  audience: Audience,
  handle: (turn: ChatTurn, action: ActionOf<V>) => Promise<CardJson> | CardJson,
): Route {
  return {
    on: 'card',
    name,
    scope,
    audience,
    handle: async (turn, trigger) => (trigger.on === 'card' && trigger.action.verb === name ? handle(turn, trigger.action as ActionOf<V>) : undefined),
  };
}

export interface RouteServices {
  readonly flow: JourneyFlow;
  readonly cards: JourneyCards;
  readonly greeter: Greeter;
  /** LA commands and cards; absent when no LA is configured (their rows then refuse). */
  readonly adminChat?: AdminChat | undefined;
}

/**
 * Every route of the bot, read top to bottom: what starts it, where, for whom, and what handles it. Matching is exact
 * (RouteTable.find); nothing here depends on the order of the rows. Each row names the one method that does its work.
 */
export function routeTable(s: RouteServices): Route[] {
  const { flow, cards, greeter, adminChat } = s;
  const notLa = (): CardJson => cards.notice('notLocalAdministrator');
  return [
    // Activity kinds.
    activity('install', 'personal', (turn) => greeter.installedPersonal(turn)),
    activity('install', 'shared', (turn) => greeter.installedShared(turn)),
    activity('uninstall', 'personal', (turn) => greeter.uninstalled(turn)),

    // Typed in the user's own chat.
    command('start', 'personal', 'everyone', (turn) => flow.current(turn.user, turn.record)),
    command('continue', 'personal', 'everyone', (turn) => flow.current(turn.user, turn.record)),
    command('restart', 'personal', 'everyone', (turn) => flow.restart(turn.user, turn.record)),
    command('progress', 'personal', 'everyone', (turn) => flow.checklist(turn.user)),
    command('forget', 'personal', 'everyone', (turn) => flow.forgetPrompt(turn.user)),
    command('export', 'personal', 'everyone', (turn) => flow.myData(turn.user)),
    command('question', 'personal', 'everyone', (turn, c) => flow.question(turn.user, c.text, 'personal')),
    command('help', 'personal', 'everyone', () => cards.help()),
    command('help', 'personal', 'la', () => cards.help({ la: true })),
    command('status', 'personal', 'everyone', (turn) => flow.checklist(turn.user)),
    command('status', 'personal', 'la', (turn, c) => adminChat?.starters(turn, { pushId: undefined, progress: c.progress }) ?? notLa()),
    command('laHome', 'personal', 'everyone', (turn) => flow.current(turn.user, turn.record)),
    command('laHome', 'personal', 'la', (turn) => adminChat?.home(turn) ?? notLa()),
    command('push', 'personal', 'la', (turn, c) => adminChat?.push(turn, c.addresses) ?? notLa()),

    // Typed in a team or group chat (where the bot answers when @mentioned).
    command('question', 'shared', 'everyone', (turn, c) => flow.question(turn.user, c.text, 'shared')),
    command('help', 'shared', 'everyone', () => cards.groupIntro()),

    // Buttons on the journey and answer cards, in the user's own chat.
    card('ack', 'personal', 'everyone', (turn, a) => flow.acknowledgeOnCard(turn.user, a, turn.record)),
    card('unack', 'personal', 'everyone', (turn, a) => flow.acknowledgeOnCard(turn.user, a, turn.record)),
    card('goto', 'personal', 'everyone', (turn, a) => flow.showStep(turn.user, a.stepId, turn.record)),
    card('refresh', 'personal', 'everyone', (turn, a) => flow.refresh(turn.user, a)),
    card('progress', 'personal', 'everyone', (turn) => flow.checklist(turn.user)),
    card('continue', 'personal', 'everyone', (turn) => flow.current(turn.user, turn.record)),
    card('restart', 'personal', 'everyone', (turn) => flow.restart(turn.user, turn.record)),
    card('forget', 'personal', 'everyone', (turn) => flow.forgetPrompt(turn.user)),
    card('forgetConfirm', 'personal', 'everyone', (turn) => flow.forgetConfirmed(turn.user)),
    card('forgetCancel', 'personal', 'everyone', () => cards.notice('forgetCancelled')),
    card('feedback', 'personal', 'everyone', (turn, a) => flow.vote(turn.user, a, turn.record)),
    card('answer', 'personal', 'everyone', (turn, a) => flow.answerIntent(turn.user, a.intent, 'personal')),
    card('help', 'personal', 'everyone', () => cards.help()),
    card('help', 'personal', 'la', () => cards.help({ la: true })),

    // Buttons on answer cards in a team or group chat.
    card('answer', 'shared', 'everyone', (turn, a) => flow.answerIntent(turn.user, a.intent, 'shared')),
    card('help', 'shared', 'everyone', () => cards.help()),

    // Buttons on the Local Administrator cards (the admin module checks the LA policy on each, and audits a refusal).
    card('laHome', 'personal', 'la', (turn) => adminChat?.home(turn) ?? notLa()),
    card('laStatus', 'personal', 'la', (turn, a) => adminChat?.starters(turn, { pushId: a.push, progress: a.progress }) ?? notLa()),
    card('pushStatus', 'personal', 'la', (turn, a) => adminChat?.pushStatus(turn, a.pushId) ?? notLa()),
    card('pushResend', 'personal', 'la', (turn, a) => adminChat?.resend(turn, a.pushId) ?? notLa()),
    card('push', 'personal', 'la', (turn, a) => adminChat?.push(turn, a.addresses) ?? notLa()),
  ];
}

/** The rows that fit one trigger in one scope: at most one for everyone and one for LAs. */
export interface RouteChoice {
  readonly everyone?: Route;
  readonly la?: Route;
}

/** The table, indexed for exact lookup; refuses two rows for the same trigger, scope and audience. */
export class RouteTable {
  private readonly rows = new Map<string, RouteChoice>();

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      const key = RouteTable.key(route.on, route.name, route.scope);
      const choice = this.rows.get(key) ?? {};
      if (choice[route.audience]) throw new Error(`two routes for ${route.on} "${route.name}" in ${route.scope} chats for ${route.audience}`);
      this.rows.set(key, { ...choice, [route.audience]: route });
    }
  }

  /** The rows for a trigger in a scope (none: the trigger has no meaning there). */
  find(trigger: Trigger, scope: Scope): RouteChoice | undefined {
    const name = trigger.on === 'command' ? trigger.command.kind : trigger.on === 'card' ? trigger.action.verb : '';
    return this.rows.get(RouteTable.key(trigger.on, name, scope));
  }

  /**
   * Runs the route for a trigger: the LA row for an LA where there is one beside an everyone row (a quiet check),
   * the only row otherwise. Resolves undefined when no route fits (the caller says so to the user).
   */
  async run(turn: ChatTurn, trigger: Trigger, isLa: (turn: ChatTurn) => Promise<boolean>): Promise<{ card: CardJson | undefined } | undefined> {
    const choice = this.find(trigger, turn.scope);
    if (!choice) return undefined;
    const route = choice.la && choice.everyone ? ((await isLa(turn)) ? choice.la : choice.everyone) : (choice.la ?? choice.everyone);
    if (!route) return undefined;
    return { card: await route.handle(turn, trigger) };
  }

  private static key(on: string, name: string, scope: Scope): string {
    return `${on}\u0000${name}\u0000${scope}`;
  }
}
