import type { AdminChat } from '../../src/admin/adminChat';
import { CARD_VERBS, type CardAction } from '../../src/cards/cardActions';
import type { CardJson } from '../../src/cards/render';
import type { JourneyCards } from '../../src/cards/views';
import type { JourneyFlow } from '../../src/journey/journeyFlow';
import type { Command } from '../../src/routing/commands';
import type { Greeter } from '../../src/routing/greeter';
import { RouteTable, routeTable, type Route, type Trigger } from '../../src/routing/routes';
import type { ChatTurn, Scope } from '../../src/routing/turn';

/** A card that says which handler made it. */
const made = (by: string): CardJson => ({ by }) as unknown as CardJson;

function rig(options: { la?: boolean; admin?: boolean } = {}) {
  const calls: string[] = [];
  let laChecks = 0;
  /** Any method of the flow or the admin module: a card naming the method (and where, for the answers that care). */
  const recorder = (prefix: string) =>
    new Proxy(
      {},
      {
        get:
          (_target, method: string) =>
          async (...args: unknown[]) => {
            const where = args.find((a) => a === 'personal' || a === 'shared');
            const filter = args.find((a): a is { progress?: string } => typeof a === 'object' && a !== null && 'progress' in a);
            const detail = [where, filter?.progress, typeof args[1] === 'string' && prefix === 'admin' ? args[1] : undefined].filter((d) => d !== undefined);
            return made([`${prefix}.${method}`, ...detail].join(':'));
          },
      },
    );
  const flow = recorder('flow') as unknown as JourneyFlow;
  const cards = {
    notice: (name: string) => made(`notice:${name}`),
    help: (o?: { la?: boolean }) => made(o?.la ? 'help:la' : 'help'),
    groupIntro: () => made('groupIntro'),
  } as unknown as JourneyCards;
  const adminChat = recorder('admin') as unknown as AdminChat;
  const greeter = {
    installedPersonal: async () => void calls.push('installedPersonal'),
    installedShared: async () => void calls.push('installedShared'),
    uninstalled: async () => void calls.push('uninstalled'),
  } as unknown as Greeter;
  const table = new RouteTable(routeTable({ flow, cards, greeter, adminChat: options.admin === false ? undefined : adminChat }));
  const isLa = async () => {
    laChecks++;
    return options.la ?? false;
  };
  const turn = (scope: Scope): ChatTurn => ({ scope }) as unknown as ChatTurn;
  const run = async (scope: Scope, trigger: Trigger) => {
    const routed = await table.run(turn(scope), trigger, isLa);
    return routed === undefined ? 'no route' : ((routed.card as unknown as { by: string } | undefined)?.by ?? 'nothing');
  };
  return { table, run, calls, laChecks: () => laChecks };
}

const command = (c: Command): Trigger => ({ on: 'command', command: c });
const card = (a: CardAction): Trigger => ({ on: 'card', action: a });
const COMMAND_KINDS: Command['kind'][] = ['help', 'start', 'restart', 'continue', 'progress', 'forget', 'export', 'status', 'laHome', 'push', 'question'];
const sample = (kind: Command['kind']): Command =>
  kind === 'push' ? { kind, addresses: 'a@nhs.net' } : kind === 'question' ? { kind, text: 'who is my LA' } : ({ kind } as Command);
const sampleAction = (verb: (typeof CARD_VERBS)[number]): CardAction => ({ verb }) as CardAction;

describe('the route table', () => {
  it('routes every typed command and every card verb in the user’s own chat', () => {
    const { table } = rig();
    for (const kind of COMMAND_KINDS) expect({ kind, found: table.find(command(sample(kind)), 'personal') !== undefined }).toEqual({ kind, found: true });
    for (const verb of CARD_VERBS) expect({ verb, found: table.find(card(sampleAction(verb)), 'personal') !== undefined }).toEqual({ verb, found: true });
  });

  it('sends each command and button of the journey to the one method that does its work', async () => {
    const { run } = rig({ la: false });
    const commands: [Command['kind'], string][] = [
      ['start', 'flow.current'],
      ['continue', 'flow.current'],
      ['restart', 'flow.restart'],
      ['progress', 'flow.checklist'],
      ['forget', 'flow.forgetPrompt'],
      ['export', 'flow.myData'],
      ['question', 'flow.question:personal'],
    ];
    for (const [kind, handler] of commands) expect({ kind, by: await run('personal', command(sample(kind))) }).toEqual({ kind, by: handler });
    const buttons: [(typeof CARD_VERBS)[number], string][] = [
      ['ack', 'flow.acknowledgeOnCard'],
      ['unack', 'flow.acknowledgeOnCard'],
      ['goto', 'flow.showStep'],
      ['refresh', 'flow.refresh'],
      ['progress', 'flow.checklist'],
      ['continue', 'flow.current'],
      ['restart', 'flow.restart'],
      ['forget', 'flow.forgetPrompt'],
      ['forgetConfirm', 'flow.forgetConfirmed'],
      ['forgetCancel', 'notice:forgetCancelled'],
      ['feedback', 'flow.vote'],
      ['answer', 'flow.answerIntent:personal'],
    ];
    for (const [verb, handler] of buttons) expect({ verb, by: await run('personal', card(sampleAction(verb))) }).toEqual({ verb, by: handler });
  });

  it('in a team or group chat answers questions and help only; the rest have no route there', async () => {
    const { run } = rig({ la: true });
    expect(await run('shared', command({ kind: 'question', text: 'is nhsmail down' }))).toBe('flow.question:shared');
    expect(await run('shared', command({ kind: 'help' }))).toBe('groupIntro');
    expect(await run('shared', card(sampleAction('answer')))).toBe('flow.answerIntent:shared');
    expect(await run('shared', card(sampleAction('help')))).toBe('help');
    for (const kind of COMMAND_KINDS.filter((k) => k !== 'question' && k !== 'help')) expect(await run('shared', command(sample(kind)))).toBe('no route');
    for (const verb of ['ack', 'forgetConfirm', 'feedback', 'push', 'laStatus'] as const)
      expect(await run('shared', card(sampleAction(verb)))).toBe('no route');
  });

  it('gives an LA the LA meaning of help, status and welcome, and a starter the journey’s', async () => {
    const la = rig({ la: true });
    expect(await la.run('personal', command({ kind: 'help' }))).toBe('help:la');
    expect(await la.run('personal', command({ kind: 'status', progress: 'finished' }))).toBe('admin.starters:finished');
    expect(await la.run('personal', command({ kind: 'laHome' }))).toBe('admin.home');
    expect(await la.run('personal', card(sampleAction('help')))).toBe('help:la');
    const starter = rig({ la: false });
    expect(await starter.run('personal', command({ kind: 'help' }))).toBe('help');
    expect(await starter.run('personal', command({ kind: 'status' }))).toBe('flow.checklist');
    expect(await starter.run('personal', command({ kind: 'laHome' }))).toBe('flow.current');
    expect(await starter.run('personal', card(sampleAction('help')))).toBe('help');
  });

  it('hands a push and every LA card button to the admin module whoever asks, so that a refusal is audited there', async () => {
    const starter = rig({ la: false });
    expect(await starter.run('personal', command({ kind: 'push', addresses: 'sam@nhs.net' }))).toBe('admin.push:sam@nhs.net');
    const adminButtons = { laHome: 'admin.home', pushStatus: 'admin.pushStatus', pushResend: 'admin.resend', laStatus: 'admin.starters' } as const;
    for (const [verb, handler] of Object.entries(adminButtons))
      expect(await starter.run('personal', card(sampleAction(verb as keyof typeof adminButtons)))).toBe(handler);
    // No LA configured: no admin module, and the answer says so.
    const none = rig({ admin: false });
    expect(await none.run('personal', command({ kind: 'push', addresses: 'sam@nhs.net' }))).toBe('notice:notLocalAdministrator');
    expect(await none.run('personal', card(sampleAction('pushResend')))).toBe('notice:notLocalAdministrator');
  });

  it('asks "is this an LA?" only for triggers with an LA meaning beside the everyone one: a question costs no LA check', async () => {
    const r = rig({ la: true });
    await r.run('personal', command({ kind: 'question', text: 'how do I reset my password' }));
    await r.run('personal', card(sampleAction('ack')));
    await r.run('personal', command({ kind: 'push', addresses: 'x@nhs.net' }));
    expect(r.laChecks()).toBe(0);
    await r.run('personal', command({ kind: 'status' }));
    expect(r.laChecks()).toBe(1);
  });

  it('routes install and removal by scope: a welcome in the personal chat, an introduction in a team, nothing on removal from a team', async () => {
    const r = rig();
    expect(await r.run('personal', { on: 'install' })).toBe('nothing');
    expect(await r.run('shared', { on: 'install' })).toBe('nothing');
    expect(await r.run('personal', { on: 'uninstall' })).toBe('nothing');
    expect(await r.run('shared', { on: 'uninstall' })).toBe('no route');
    expect(r.calls).toEqual(['installedPersonal', 'installedShared', 'uninstalled']);
  });

  it('refuses two rows for the same trigger, scope and audience, so no row can hide another', () => {
    const row: Route = { on: 'command', name: 'help', scope: 'personal', audience: 'everyone', handle: async () => undefined };
    expect(() => new RouteTable([row, { ...row }])).toThrow(/two routes for command "help" in personal chats for everyone/);
    expect(() => new RouteTable([row, { ...row, audience: 'la' }, { ...row, scope: 'shared' }])).not.toThrow();
  });
});
