import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import type { IntentMap } from '../intents/matcher';
import { allActions, type Action, type Journey, type Link } from '../journey/journey';
import { ContentError } from './errors';
import {
  copyFileSchema,
  linkHostProblem,
  intentsFileSchema,
  REQUIRED_INTENT_IDS,
  REQUIRED_SAFETY_INTENT_IDS,
  type ReminderCopy,
  type FeedbackCopy,
  NOTICE_KEYS,
  type Notice,
  type NoticeKey,
  journeyFileSchema,
  linksFileSchema,
  serviceFileSchema,
  templateSchema,
  type LinksFile,
} from './schema';
import { substituteTokens } from './tokens';

/** Everything the bot shows, loaded and checked once at start. */
export interface Content {
  readonly journey: Journey;
  readonly links: Readonly<Record<string, Link>>;
  readonly service: {
    readonly name: string;
    readonly helpdesk: { readonly phone: string; readonly email: string; readonly hours: string };
  };
  /** Short messages for the notice card, tokens resolved. */
  readonly notices: Readonly<Record<NoticeKey, Notice>>;
  /** The questions the bot answers: the matcher's map and each intent's answer. */
  readonly intents: IntentContent;
  /** The reminder card's words, tokens left for the reminder to fill (it adds the starter's counts). */
  readonly reminder: ReminderCopy;
  /** The "Helpful" / "Not helpful" section of answer and step cards ({subject} left for the card to fill). */
  readonly feedback: FeedbackCopy;
  /** Card templates by file name without .json. */
  readonly templates: Readonly<Record<string, object>>;
  /** Resolves {service}, {helpdeskPhone}, … in a piece of content text. */
  substitute(text: string): string;
}

/** One intent's answer, tokens resolved and links looked up. */
export interface IntentAnswer {
  readonly id: string;
  readonly title: string;
  readonly lines: readonly string[];
  readonly links: readonly Link[];
  /** The journey action the answer is about: the answer card offers to acknowledge it. */
  readonly action: Action | undefined;
  readonly related: readonly { readonly id: string; readonly title: string }[];
  /** A safety intent: its answer wins over any topic's. */
  readonly safety: boolean;
  /** The line shown first when an LA sent the welcome, around the LA's name. */
  readonly sentByLa?: { readonly before: string; readonly after: string } | undefined;
}

export interface IntentContent {
  readonly map: IntentMap;
  readonly answers: ReadonlyMap<string, IntentAnswer>;
  readonly fallback: { readonly title: string; readonly lines: readonly string[] };
  /** For a question with nothing of the service in it. */
  readonly offTopic: { readonly title: string; readonly lines: readonly string[] };
  readonly didYouMean: { readonly title: string; readonly lines: readonly string[] };
  /** Leads the topic a safety answer offers after its advice ("Your question was also about:"). */
  readonly alsoAsked: string;
  /** The "Was this helpful?" section of answer cards (copy.json's feedback). */
  readonly feedback: FeedbackCopy;
}

export interface ContentOptions {
  /** SERVICE_NAME: overrides service.json's name (the service may be branded NHS.net Connect). */
  readonly serviceName?: string | undefined;
  /** LINK_OVERRIDES: link id → https URL. */
  readonly linkOverrides?: Readonly<Record<string, string>>;
}

/** Reads a JSON content file and parses it with its schema, or throws a ContentError naming file, path and fault. */
export function readContentFile<S extends z.ZodType>(dir: string, file: string, schema: S): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  } catch (error) {
    throw new ContentError(file, '', error instanceof SyntaxError ? `not valid JSON (${error.message})` : 'cannot be read');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ContentError(file, formatPath(issue?.path ?? []), issue?.message ?? 'invalid');
  }
  return parsed.data;
}

/** Loads and cross-checks the journey, links, service facts and card templates from a content directory. */
export function loadContent(dir: string, options: ContentOptions = {}): Content {
  const linksFile = readContentFile(dir, 'links.json', linksFileSchema);
  const serviceFile = readContentFile(dir, 'service.json', serviceFileSchema);
  const journeyFile = readContentFile(dir, 'journey.json', journeyFileSchema);
  const copyFile = readContentFile(dir, 'copy.json', copyFileSchema);

  const tokens: Record<string, string> = {
    service: options.serviceName ?? serviceFile.serviceName,
    helpdeskPhone: serviceFile.helpdesk.phone,
    helpdeskEmail: serviceFile.helpdesk.email,
    helpdeskHours: serviceFile.helpdesk.hours,
  };
  const substituteIn = (file: string, path: string) => (text: string) =>
    substituteTokens(text, tokens, (token) => {
      throw new ContentError(file, path, `unknown token {${token}}`);
    });

  const links = resolveLinks(linksFile, options.linkOverrides ?? {}, substituteIn('links.json', 'unverifiedTitle'));
  // journey.json and intents.json are what starters see: an LA's procedure has no place there.
  const linkRefs = (file: string, path: string, ids: readonly string[]): Link[] =>
    ids.map((id, i) => {
      const link = links[id];
      if (!link) throw new ContentError(file, `${path}[${i}]`, `unknown link id "${id}" (not in links.json)`);
      if (linksFile.links[id]?.audience === 'la')
        throw new ContentError(file, `${path}[${i}]`, `"${id}" is a procedure for Local Administrators, not for starters`);
      return link;
    });

  const seenSteps = new Set<string>();
  const seenActions = new Set<string>();
  const seenShort = new Set<string>();
  const journey: Journey = {
    id: journeyFile.id,
    version: journeyFile.version,
    steps: journeyFile.steps.map((step, si) => {
      const at = `steps[${si}]`;
      if (seenSteps.has(step.id)) throw new ContentError('journey.json', `${at}.id`, `duplicate step id "${step.id}"`);
      seenSteps.add(step.id);
      const sub = substituteIn('journey.json', at);
      return {
        id: step.id,
        title: sub(step.title),
        paragraphs: step.paragraphs.map(sub),
        links: linkRefs('journey.json', `${at}.links`, step.links),
        actions: step.actions.map((action, ai) => {
          const aat = `${at}.actions[${ai}]`;
          if (seenActions.has(action.id)) {
            throw new ContentError('journey.json', `${aat}.id`, `duplicate action id "${action.id}"`);
          }
          seenActions.add(action.id);
          if (seenShort.has(action.short)) {
            throw new ContentError('journey.json', `${aat}.short`, `"${action.short}" names another action too: buttons must tell actions apart`);
          }
          seenShort.add(action.short);
          const asub = substituteIn('journey.json', aat);
          return {
            id: action.id,
            title: asub(action.title),
            short: asub(action.short),
            guidance: action.guidance.map(asub),
            links: linkRefs('journey.json', `${aat}.links`, action.links),
            mustDo: action.mustDo,
          };
        }),
      };
    }),
  };
  if (!journey.steps.some((s) => s.actions.length > 0)) {
    throw new ContentError('journey.json', 'steps', 'the journey has no actions to acknowledge');
  }

  const intents = loadIntents(
    readContentFile(dir, 'intents.json', intentsFileSchema),
    journey,
    linkRefs,
    (path) => substituteIn('intents.json', path),
    copyFile.feedback,
  );

  return Object.freeze({
    journey,
    intents,
    links,
    service: {
      name: tokens.service ?? serviceFile.serviceName,
      helpdesk: serviceFile.helpdesk,
    },
    notices: Object.fromEntries(
      NOTICE_KEYS.map((key) => {
        const notice = copyFile.notices[key];
        const sub = substituteIn('copy.json', `notices.${key}`);
        return [key, { ...notice, title: sub(notice.title), lines: notice.lines.map(sub) }];
      }),
    ) as Record<NoticeKey, Notice>,
    reminder: copyFile.reminder,
    feedback: copyFile.feedback,
    templates: loadTemplates(dir),
    substitute: (text: string) => substituteIn('(text)', '')(text),
  });
}

function loadIntents(
  file: z.infer<typeof intentsFileSchema>,
  journey: Journey,
  linkRefs: (file: string, path: string, ids: readonly string[]) => Link[],
  substitute: (path: string) => (text: string) => string,
  feedback: FeedbackCopy,
): IntentContent {
  // Safety intents first (they are tried first), each with the path an editor finds it at.
  const all = [
    ...file.safety.intents.map((intent, i) => ({ intent, at: `safety.intents[${i}]`, safety: true })),
    ...file.intents.map((intent, i) => ({ intent, at: `intents[${i}]`, safety: false })),
  ];
  const ids = new Set<string>();
  for (const { intent, at } of all) {
    if (ids.has(intent.id)) throw new ContentError('intents.json', `${at}.id`, `duplicate intent id "${intent.id}"`);
    ids.add(intent.id);
  }
  for (const required of REQUIRED_INTENT_IDS) {
    if (!ids.has(required)) throw new ContentError('intents.json', 'intents', `the required intent "${required}" is missing`);
  }
  const safetyIds = new Set(file.safety.intents.map((i) => i.id));
  for (const required of REQUIRED_SAFETY_INTENT_IDS) {
    if (!safetyIds.has(required)) throw new ContentError('intents.json', 'safety.intents', `the safety intent "${required}" is missing`);
  }
  file.safety.signals.forEach((signal, i) => {
    if (!safetyIds.has(signal.intent)) {
      throw new ContentError('intents.json', `safety.signals[${i}].intent`, `"${signal.intent}" is not a safety intent`);
    }
  });
  const actions = new Map(allActions(journey).map((a) => [a.id, a]));
  const titles = new Map(all.map(({ intent, at }) => [intent.id, substitute(`${at}.title`)(intent.title)]));
  const answers = new Map<string, IntentAnswer>();
  for (const { intent, at, safety } of all) {
    const action = intent.actionId === undefined ? undefined : actions.get(intent.actionId);
    if (intent.actionId !== undefined && !action) {
      throw new ContentError('intents.json', `${at}.actionId`, `unknown journey action "${intent.actionId}" (not in journey.json)`);
    }
    const related = intent.related.map((id, r) => {
      const title = titles.get(id);
      if (title === undefined || id === intent.id) throw new ContentError('intents.json', `${at}.related[${r}]`, `"${id}" is not another intent`);
      return { id, title };
    });
    const sub = substitute(`${at}.answer`);
    answers.set(intent.id, {
      id: intent.id,
      title: titles.get(intent.id) as string,
      lines: intent.answer.lines.map(sub),
      links: linkRefs('intents.json', `${at}.answer.links`, intent.answer.links),
      action,
      related,
      safety,
      ...(intent.answer.sentByLa !== undefined ? { sentByLa: aroundLa(intent.answer.sentByLa, sub) } : {}),
    });
  }
  const sub = substitute('fallback');
  return {
    map: file,
    answers,
    fallback: { title: sub(file.fallback.title), lines: file.fallback.lines.map(sub) },
    offTopic: { title: substitute('offTopic')(file.offTopic.title), lines: file.offTopic.lines.map(substitute('offTopic')) },
    didYouMean: file.didYouMean,
    alsoAsked: file.safety.alsoAsked,
    feedback,
  };
}

/**
 * Every link with its override applied. An override must pass the same https host allow-list as links.json (a
 * look-alike copy of support.nhs.net is on the web). An unverified link that nothing overrides opens the knowledge
 * base, and its button says so.
 */
function resolveLinks(file: LinksFile, overrides: Readonly<Record<string, string>>, substitute: (text: string) => string): Record<string, Link> {
  for (const [id, url] of Object.entries(overrides)) {
    if (!file.links[id]) throw new ContentError('LINK_OVERRIDES', id, `unknown link id "${id}" (not in links.json)`);
    const problem = linkHostProblem(url);
    if (problem) throw new ContentError('LINK_OVERRIDES', id, `${problem} (allowed: https on the hosts in src/content/schema.ts)`);
  }
  const result: Record<string, Link> = {};
  for (const [id, link] of Object.entries(file.links)) {
    const problem = linkHostProblem(link.url);
    if (problem) throw new ContentError('links.json', `links.${id}.url`, problem);
    const override = overrides[id];
    const title = !link.verified && override === undefined ? substitute(file.unverifiedTitle) : link.title;
    result[id] = { id, url: override ?? link.url, title };
  }
  return result;
}

function loadTemplates(dir: string): Record<string, object> {
  const templates: Record<string, object> = {};
  for (const file of readdirSync(join(dir, 'templates'))
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    templates[file.replace(/\.json$/, '')] = readContentFile(dir, `templates/${file}`, templateSchema);
  }
  return templates;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** Splits a line at its {la} placeholder, each side's tokens resolved, so the LA's name is put in when it is shown. */
function aroundLa(line: string, sub: (text: string) => string): { before: string; after: string } {
  const at = line.indexOf('{la}');
  return { before: sub(line.slice(0, at)), after: sub(line.slice(at + '{la}'.length)) };
}
