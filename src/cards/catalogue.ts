import { AdminCards, STATUS_TEXT, type StarterView } from '../admin/adminCards';
import type { Push, Recipient, RecipientStatus } from '../admin/pushes';
import { startersTabLink } from '../admin/tabLink';
import { loadContent, type Content, type ContentOptions } from '../content/load';
import type { NoticeKey } from '../content/schema';
import { allActions, mustDoActions, type Step } from '../journey/journey';
import type { Progress, StartedBy } from '../journey/progress';
import type { UserRecord } from '../state/users';
import { answerSubject } from '../feedback/feedback';
import { IntentAnswerer } from '../intents/answerer';
import { ReminderCards } from '../reminders/reminderCard';
import { CardRenderer, type CardJson, type RenderOptions } from './render';
import { JourneyCards, type Viewer } from './views';

/**
 * The card catalogue: every card the bot can send, built through the bot's own code paths (JourneyCards,
 * AdminCards, CardRenderer, the content in cards/) from fixed sample data. The gallery (`npm run cards:render`)
 * draws each entry, and the card tests validate each entry.
 *
 * Every template in cards/templates/ must be rendered by at least one entry: the renderer records which
 * templates each entry used, and a test fails for a template no entry covers. That is how a new card gets caught.
 */

/** One card as a user (or Local Administrator) would receive it. */
export interface CatalogueEntry {
  /** Stable and file-name safe, e.g. "step-2-getting-started-fresh". */
  readonly id: string;
  /** Which part of the bot sends it. */
  readonly section: string;
  /** What the card is and when it is sent, in words for content editors. */
  readonly title: string;
  /** The templates rendered to build it (recorded, not declared). */
  readonly templates: readonly string[];
  readonly card: CardJson;
}

/** A card to build: the section's builder calls the bot's own card code. */
export interface CardSpec {
  readonly id: string;
  readonly title: string;
  build(): CardJson;
}

/** What a section needs to build its cards. */
export interface CatalogueContext {
  readonly content: Content;
  /** The renderer every card goes through (records template use). */
  readonly renderer: CardRenderer;
  readonly journeyCards: JourneyCards;
  readonly adminCards: AdminCards;
  readonly samples: Samples;
}

/** A group of cards; returns the specs, built lazily so that a failing card names itself. */
export type CatalogueSection = (ctx: CatalogueContext) => readonly CardSpec[];

/** A fixed moment, so that renders do not change from one day to the next. */
export const SAMPLE_NOW = new Date('2026-03-02T10:15:00Z');
const SAMPLE_USER_ID = '29:1a2b3c4d5e6f7a8b9c0d-sample-user';
const SAMPLE_LA_USER_ID = '29:9f8e7d6c5b4a3f2e1d0c-sample-la';
const SAMPLE_TENANT = '00000000-0000-4000-8000-000000000001';
const SAMPLE_LA: StartedBy = { kind: 'la', name: 'Priya Shah', aadObjectId: '00000000-0000-4000-8000-0000000000aa', pushId: 'push-sample-1' };

/** Sample data for the cards: users, progress at different points, pushes. */
export class Samples {
  readonly now = SAMPLE_NOW;
  readonly viewer: Viewer = { userId: SAMPLE_USER_ID };
  readonly laUserId = SAMPLE_LA_USER_ID;

  constructor(private readonly content: Content) {}

  /** An ISO time some days before the sample moment. */
  daysAgo(days: number): string {
    return new Date(this.now.getTime() - days * 86_400_000).toISOString();
  }

  /** Progress at a step with the given actions acknowledged. */
  progress(options: { stepId?: string; acknowledged?: readonly string[]; startedBy?: StartedBy } = {}): Progress {
    const first = this.content.journey.steps[0] as Step;
    const acknowledged = Object.fromEntries((options.acknowledged ?? []).map((id, i) => [id, this.daysAgo(3 - Math.min(i, 3) / 2)]));
    const all = allActions(this.content.journey);
    const complete = all.length > 0 && all.every((a) => acknowledged[a.id] !== undefined);
    return {
      journeyId: this.content.journey.id,
      startedAt: this.daysAgo(4),
      startedBy: options.startedBy ?? { kind: 'self' },
      stepId: options.stepId ?? first.id,
      acknowledged,
      ...(complete ? { completedAt: this.daysAgo(1) } : {}),
      lastActiveAt: this.daysAgo(1),
    };
  }

  /** Ids of the actions of the first `stepCount` steps (a user who walked that far and ticked everything). */
  actionsUpTo(stepCount: number): string[] {
    return this.content.journey.steps.slice(0, stepCount).flatMap((s) => s.actions.map((a) => a.id));
  }

  /** Must-do actions and a few more: a user part-way through. */
  partlyDone(): string[] {
    const all = allActions(this.content.journey);
    return [...all.filter((a) => a.mustDo), ...all.filter((a) => !a.mustDo).slice(0, 4)].map((a) => a.id);
  }

  allActionIds(): string[] {
    return allActions(this.content.journey).map((a) => a.id);
  }

  userRecord(): UserRecord {
    return {
      userId: SAMPLE_USER_ID,
      aadObjectId: '00000000-0000-4000-8000-0000000000bb',
      tenantId: SAMPLE_TENANT,
      address: 'jane.doe@nhs.net',
      conversationId: 'a:1sample-personal-conversation',
      reference: { serviceUrl: 'https://smba.trafficmanager.net/teams/' },
      installed: true,
      welcome: { claimedAt: this.daysAgo(4), sentAt: this.daysAgo(4) },
      firstSeenAt: this.daysAgo(4),
      lastSeenAt: this.daysAgo(1),
    };
  }

  push(overrides: Partial<Push> = {}): Push {
    return {
      id: 'push-sample-1',
      tenantId: SAMPLE_TENANT,
      la: { aadObjectId: '00000000-0000-4000-8000-0000000000aa', name: 'Priya Shah' },
      createdAt: this.daysAgo(0.1),
      via: 'chat',
      addresses: [],
      invalid: [],
      otherDomain: [],
      duplicates: 0,
      ...overrides,
    };
  }

  /** Starters of a push, `count` of each given status, with the reasons the delivery code gives. */
  recipients(statuses: readonly RecipientStatus[], count = 1): Recipient[] {
    const names = ['jane.doe', 'sam.smith', 'alex.jones', 'chris.patel', 'morgan.lee', 'taylor.brown', 'jordan.evans'];
    let n = 0;
    return statuses.flatMap((status) =>
      Array.from({ length: count }, () => {
        const address = `${names[n % names.length] ?? 'starter'}${n >= names.length ? Math.floor(n / names.length) + 1 : ''}@nhs.net`;
        n += 1;
        return { address, status, ...(SAMPLE_REASONS[status] ? { reason: SAMPLE_REASONS[status] } : {}), updatedAt: this.daysAgo(0.05) };
      }),
    );
  }
}

/** Reasons as the delivery code words them (src/admin/welcomeDelivery.ts). */
const SAMPLE_REASONS: Partial<Record<RecipientStatus, string>> = {
  failed: 'No account has this address. Check the spelling.',
  pendingFirstContact: 'They have not signed in to Teams yet; they will get it when they first open the bot.',
  waitingForInstall: 'Installing the app for them; the welcome follows automatically.',
};

const STATUSES = Object.keys(STATUS_TEXT) as RecipientStatus[];

/** The journey: each step fresh and completed, the LA-started first step, the checklist and the completion card. */
export const journeySection: CatalogueSection = ({ content, journeyCards, samples }) => {
  const steps = content.journey.steps;
  const specs: CardSpec[] = [];
  steps.forEach((step, i) => {
    const n = i + 1;
    specs.push({
      id: `step-${n}-${step.id}-fresh`,
      title: `Step ${n}: “${step.title}”, nothing done yet`,
      build: () => journeyCards.step(samples.progress({ stepId: step.id }), step.id, samples.viewer),
    });
    specs.push({
      id: `step-${n}-${step.id}-completed`,
      title: `Step ${n}: “${step.title}”, every action up to here marked as done`,
      build: () => journeyCards.step(samples.progress({ stepId: step.id, acknowledged: samples.actionsUpTo(n) }), step.id, samples.viewer),
    });
  });
  const first = steps[0] as Step;
  specs.push(
    {
      id: 'step-4-voted-helpful',
      title: 'Step 4 after the starter said it was helpful (the vote is theirs to change)',
      build: () => {
        const step = (steps[3] ?? first) as Step;
        return journeyCards.step(samples.progress({ stepId: step.id }), step.id, samples.viewer, { vote: 'helpful' });
      },
    },
    {
      id: 'step-4-changed-since-seen',
      title: 'Step 4 after a vote from an old card whose words have changed since (not counted)',
      build: () => {
        const step = (steps[3] ?? first) as Step;
        return journeyCards.step(samples.progress({ stepId: step.id }), step.id, samples.viewer, { vote: undefined, changed: true });
      },
    },
    {
      id: 'step-1-sent-by-la',
      title: 'Step 1 when a Local Administrator sent the welcome (names them)',
      build: () => journeyCards.step(samples.progress({ stepId: first.id, startedBy: SAMPLE_LA }), first.id, samples.viewer),
    },
    {
      id: 'checklist-fresh',
      title: 'Checklist (“progress”), nothing done yet',
      build: () => journeyCards.checklist(samples.progress(), samples.viewer),
    },
    {
      id: 'checklist-partly-done',
      title: 'Checklist (“progress”), must-do actions and a few others done',
      build: () => journeyCards.checklist(samples.progress({ acknowledged: samples.partlyDone() }), samples.viewer),
    },
    {
      id: 'complete',
      title: 'Completion: every action done',
      build: () => journeyCards.complete(samples.progress({ acknowledged: samples.allActionIds() }), samples.viewer),
    },
    { id: 'help', title: 'Help (“help”)', build: () => journeyCards.help() },
    { id: 'help-la', title: 'Help for a Local Administrator (“help”; also sent once at their first contact): their commands and the tab', build: () => journeyCards.help({ la: true }) },
    { id: 'group-intro', title: 'Introduction in a team or group chat', build: () => journeyCards.groupIntro() },
  );
  return specs;
};

/** Every notice in cards/copy.json. */
export const noticesSection: CatalogueSection = ({ content, journeyCards }) =>
  (Object.keys(content.notices) as NoticeKey[]).map((key) => ({
    id: `notice-${kebab(key)}`,
    title: `Notice “${key}”: ${content.notices[key].title}`,
    build: () => journeyCards.notice(key),
  }));

/** Forget me and export my data. */
export const privacySection: CatalogueSection = ({ journeyCards, samples }) => [
  {
    id: 'forget-confirm',
    title: 'Forget me: confirmation, part-way through the journey',
    build: () => journeyCards.forgetConfirm(samples.progress({ acknowledged: samples.partlyDone() })),
  },
  {
    id: 'forget-confirm-not-started',
    title: 'Forget me: confirmation, no journey started',
    build: () => journeyCards.forgetConfirm(undefined),
  },
  {
    id: 'my-data',
    title: 'My data: a user sent the welcome by their LA, part-way through, who said whether two answers helped',
    build: () =>
      journeyCards.myData(samples.userRecord(), samples.progress({ stepId: 'security', acknowledged: samples.partlyDone(), startedBy: SAMPLE_LA }), {
        'answer:mfa': { vote: 'notHelpful', rev: 'aaaaaaaaaaaa', at: samples.daysAgo(2), questionId: '6f1c2a9e-0000-4000-8000-000000000001' },
        'step:security': { vote: 'helpful', rev: 'bbbbbbbbbbbb', at: samples.daysAgo(1) },
      }),
  },
  {
    id: 'my-data-nothing-stored',
    title: 'My data: nothing stored yet',
    build: () => journeyCards.myData(undefined, undefined),
  },
];

/** The Local Administrator cards: the push form, the push summary in each delivery state, the starters list. */
export const adminSection: CatalogueSection = ({ adminCards, samples }) => {
  const specs: CardSpec[] = [{ id: 'la-home', title: 'LA: send the welcome to new starters (form)', build: () => adminCards.home() }];
  for (const status of STATUSES) {
    specs.push({
      id: `push-summary-${kebab(status)}`,
      title: `LA push summary: every starter “${STATUS_TEXT[status]}”`,
      build: () => {
        const recipients = samples.recipients([status], 3);
        return adminCards.summary(samples.push({ addresses: recipients.map((r) => r.address) }), recipients, samples.laUserId);
      },
    });
  }
  specs.push(
    {
      id: 'push-summary-mixed',
      title: 'LA push summary: every delivery state, invalid and other-domain addresses, repeats',
      build: () => {
        const recipients = samples.recipients(STATUSES, 1);
        const push = samples.push({
          addresses: recipients.map((r) => r.address),
          invalid: ['jane.doe@', 'not an address'],
          otherDomain: ['sam@example.com'],
          duplicates: 2,
        });
        return adminCards.summary(push, recipients, samples.laUserId);
      },
    },
    {
      id: 'push-summary-many-failures',
      title: 'LA push summary: more failures than the card lists',
      build: () => {
        const recipients = samples.recipients(['failed'], 25);
        return adminCards.summary(samples.push({ addresses: recipients.map((r) => r.address) }), recipients, samples.laUserId);
      },
    },
    {
      id: 'push-summary-resent',
      title: 'LA push summary just after “Resend to those not reached”: the starters sent it again',
      build: () => {
        const recipients = samples.recipients(['delivered', 'alreadyWelcomed', 'sending', 'sending', 'failed'], 1);
        return adminCards.summary(samples.push({ addresses: recipients.map((r) => r.address) }), recipients, samples.laUserId, 2);
      },
    },
    {
      id: 'push-summary-nothing-to-resend',
      title: 'LA push summary after a resend with nobody left to resend to',
      build: () => {
        const recipients = samples.recipients(['delivered', 'alreadyWelcomed'], 2);
        return adminCards.summary(samples.push({ addresses: recipients.map((r) => r.address) }), recipients, samples.laUserId, 0);
      },
    },
    { id: 'starters-none', title: 'LA starters (“status”): none sent yet', build: () => adminCards.starters([]) },
    {
      id: 'starters-filtered',
      title: 'LA starters (“status”) filtered by push and “must-do actions outstanding”, with the CSV export button',
      build: () =>
        adminCards.starters(starterViews(samples, ['delivered'], 3), {
          pushes: samplePushes(samples),
          filter: { pushId: 'push-sample-1', progress: 'mustDoOutstanding' },
          exportUrl: startersTabLink(SAMPLE_APP_ID, { pushId: 'push-sample-1', progress: 'mustDoOutstanding' }),
        }),
    },
    {
      id: 'starters-filtered-none',
      title: 'LA starters (“status finished”): nobody matches the filter',
      build: () => adminCards.starters([], { pushes: samplePushes(samples), filter: { progress: 'finished' }, exportUrl: startersTabLink(SAMPLE_APP_ID, { progress: 'finished' }) }),
    },
    {
      id: 'starters',
      title: 'LA starters (“status”): one in each delivery state, with progress once welcomed',
      build: () => adminCards.starters(starterViews(samples, STATUSES, 1)),
    },
    {
      id: 'starters-overflow',
      title: 'LA starters (“status”): more starters than the card lists',
      build: () => adminCards.starters(starterViews(samples, ['delivered'], 35)),
    },
  );
  return specs;
};

/** The sample app's id in the catalogue (for the tab deep link). */
const SAMPLE_APP_ID = '00000000-0000-4000-8000-0000000000cc';

/** Two pushes of the sample LA, newest first. */
function samplePushes(samples: Samples): Push[] {
  return [
    samples.push({ addresses: ['jane.doe@nhs.net', 'sam.smith@nhs.net', 'alex.jones@nhs.net'] }),
    samples.push({ id: 'push-sample-2', createdAt: samples.daysAgo(7), addresses: ['chris.patel@nhs.net'] }),
  ];
}

function starterViews(samples: Samples, statuses: readonly RecipientStatus[], count: number): StarterView[] {
  return samples.recipients(statuses, count).map((r, i) => ({
    address: r.address,
    pushId: 'push-sample-1',
    status: r.status,
    reason: r.reason,
    ...(r.status === 'delivered' || r.status === 'alreadyWelcomed'
      ? { progress: { done: (i * 5) % 19, total: 18, mustDoDone: i % 4, mustDoTotal: 3, lastSeen: samples.daysAgo(i % 3) } }
      : {}),
  }));
}

/**
 * The sections of the catalogue. A feature that adds cards adds ONE line here, for example:
 *   answers: answersSection,     // intents: answer, did-you-mean and fallback cards (see docs/cards.md)
 *   reminders: remindersSection, // delivery: the reminder nudge card
 * A template nobody renders fails test/cards/catalogue.test.ts until its line is added.
 */
/** Questions: each intent's answer (with and without a checklist to tick), did-you-mean and the fallback. */
export const answersSection: CatalogueSection = ({ content, renderer, samples }) => {
  const answerer = new IntentAnswerer(content.intents, renderer);
  const ids = [...content.intents.answers.keys()];
  return [
    ...ids.map((id) => ({
      id: `answer-${id}`,
      title: `Answer: ${content.intents.answers.get(id)?.title ?? id}`,
      // As in personal chat: with the checklist to tick and "Was this helpful?".
      build: () => answerer.answerIntent(id, { progress: samples.progress({ acknowledged: samples.partlyDone() }), votes: {} }) as CardJson,
    })),
    {
      id: 'answer-voted-not-helpful',
      title: 'Answer after the user said it was not helpful (the question they asked goes to the feedback report, masked)',
      build: () => {
        const answer = content.intents.answers.get('password-reset') ?? [...content.intents.answers.values()][0];
        const id = answer?.id ?? (ids[0] as string);
        const votes = answer ? { [`answer:${id}`]: { vote: 'notHelpful' as const, rev: answerSubject(answer).rev, at: samples.daysAgo(0) } } : {};
        return answerer.answerIntent(id, { progress: samples.progress({ acknowledged: samples.partlyDone() }), votes, question: 'how do i change my password on my phone' }) as CardJson;
      },
    },
    {
      id: 'answer-changed-since-seen',
      title: 'Answer after a vote from an old card whose words have changed since (not counted)',
      build: () => answerer.answerIntent('password-reset', { progress: samples.progress({ acknowledged: samples.partlyDone() }), votes: {}, changed: true }) as CardJson,
    },
    {
      id: 'answer-in-a-channel',
      title: 'Answer in a team chat (no checklist to tick)',
      build: () => answerer.answerIntent(ids[0] as string, { progress: undefined }) as CardJson,
    },
    {
      id: 'did-you-mean',
      title: 'Did you mean: two close matches',
      build: () => answerer.cardFor({ kind: 'didYouMean', intents: [ids[0] as string, ids[1] as string], confidence: 0.5, candidates: [] }, undefined),
    },
    { id: 'fallback', title: 'Fallback: a question the bot cannot answer', build: () => answerer.cardFor({ kind: 'fallback', confidence: 0, candidates: [], offTopic: false }, undefined) },
    {
      id: 'fallback-off-topic',
      title: 'Fallback: a question that is not about the service (a canteen menu)',
      build: () => answerer.cardFor({ kind: 'fallback', confidence: 0, candidates: [], offTopic: true }, undefined),
    },
    {
      id: 'answer-safety-with-topic',
      title: 'Safety answer with the topic offered after it ("…mailbox is full, click here")',
      build: () =>
        answerer.cardFor(answerer.matcher.match('got an email from the nhsmail team saying my mailbox is full, click here'), samples.progress({ acknowledged: samples.partlyDone() }), {
          progress: undefined,
          votes: {},
          question: 'got an email from the nhsmail team saying my mailbox is full, click here',
        }),
    },
  ];
};

/** The reminder nudge, with some and with one must-do action left. */
export const remindersSection: CatalogueSection = ({ content, renderer }) => {
  const reminders = new ReminderCards(content, renderer);
  const mustDo = mustDoActions(content.journey);
  return [
    {
      id: 'reminder',
      title: 'Reminder: must-do actions outstanding',
      build: () => reminders.card({ mustDoDone: 0, mustDoTotal: mustDo.length, mustDoLeft: mustDo.map((a) => a.title) }),
    },
    {
      id: 'reminder-one-left',
      title: 'Reminder: one must-do action left',
      build: () => reminders.card({ mustDoDone: mustDo.length - 1, mustDoTotal: mustDo.length, mustDoLeft: mustDo.slice(-1).map((a) => a.title) }),
    },
  ];
};

export const SECTIONS: Readonly<Record<string, CatalogueSection>> = {
  journey: journeySection,
  notices: noticesSection,
  privacy: privacySection,
  admin: adminSection,
  answers: answersSection,
  reminders: remindersSection,
};

/** A CardRenderer that records which templates are rendered. */
class RecordingRenderer extends CardRenderer {
  readonly used = new Set<string>();

  override render(name: string, data: object, options: RenderOptions = {}): CardJson {
    this.used.add(name);
    return super.render(name, data, options);
  }
}

export interface Catalogue {
  readonly content: Content;
  readonly entries: readonly CatalogueEntry[];
  /** Every template in the content directory. */
  readonly templates: readonly string[];
  /** Templates no entry renders: each is a card the gallery and the tests do not see. */
  readonly uncovered: readonly string[];
}

export interface CatalogueOptions {
  /** The content directory; default cards/. */
  readonly contentDir?: string;
  readonly contentOptions?: ContentOptions;
  /** Sections to use instead of SECTIONS (tests). */
  readonly sections?: Readonly<Record<string, CatalogueSection>>;
  /** LA settings as configured; defaults are the configuration's defaults. */
  readonly la?: { readonly allowedDomains: readonly string[]; readonly maxBatch: number };
}

/** Builds every card of the catalogue. Throws, naming the entry, if a card cannot be built. */
export function buildCatalogue(options: CatalogueOptions = {}): Catalogue {
  const content = loadContent(options.contentDir ?? 'cards', options.contentOptions ?? {});
  const renderer = new RecordingRenderer(content.templates);
  const la = options.la ?? { allowedDomains: ['nhs.net'], maxBatch: 500 };
  const ctx: CatalogueContext = {
    content,
    renderer,
    journeyCards: new JourneyCards(content, renderer),
    adminCards: new AdminCards(renderer, { serviceName: content.service.name, allowedDomains: la.allowedDomains, maxBatch: la.maxBatch }),
    samples: new Samples(content),
  };
  const entries: CatalogueEntry[] = [];
  const covered = new Set<string>();
  for (const [section, build] of Object.entries(options.sections ?? SECTIONS)) {
    for (const spec of build(ctx)) {
      if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(spec.id)) throw new Error(`card catalogue: id "${spec.id}" is not lower-case words joined by hyphens`);
      if (entries.some((e) => e.id === spec.id)) throw new Error(`card catalogue: duplicate id "${spec.id}"`);
      renderer.used.clear();
      let card: CardJson;
      try {
        card = spec.build();
      } catch (error) {
        throw new Error(`card catalogue: "${spec.id}" could not be built: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      const templates = [...renderer.used].sort();
      templates.forEach((t) => covered.add(t));
      entries.push({ id: spec.id, section, title: spec.title, templates, card });
    }
  }
  const templates = Object.keys(content.templates).sort();
  return { content, entries, templates, uncovered: templates.filter((t) => !covered.has(t)) };
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
