/**
 * The bench's users: 10,000 starters as the bot stores them after a few weeks of use (a directory record with
 * the personal conversation, the welcome sent, and journey progress with some actions acknowledged), written
 * through the bot's own UserStore so the keys and shapes are the real ones.
 */
import { join } from 'node:path';
import { loadContent } from '../../src/content/load';
import { allActions } from '../../src/journey/journey';
import { acknowledge, moveTo, startProgress } from '../../src/journey/progress';
import type { AtomicStorage } from '../../src/state/storage';
import { UserStore, type UserRef } from '../../src/state/users';
import { ROOT } from './build';

export const BENCH_TENANT = '11111111-1111-1111-1111-111111111111';
export const BENCH_APP_ID = '00000000-0000-0000-0000-00000000b07a';
/** Where the seeded references say Teams is (the public cloud URL); turns bring the connector's own URL. */
const SEED_SERVICE_URL = 'https://smba.trafficmanager.net/uk/';

export interface BenchUser {
  readonly ref: UserRef;
  readonly name: string;
  readonly upn: string;
}

/** The i-th bench user (stable ids, so a seeded store and the load generator agree). */
export function benchUser(i: number): BenchUser {
  const n = String(i).padStart(5, '0');
  const aadObjectId = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  return {
    ref: {
      channelId: 'msteams',
      tenantId: BENCH_TENANT,
      userId: `29:1bench${n}XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw`,
      aadObjectId,
      conversationId: `a:1bench${n}7I0kl9EkpE1O9PH5TWrzrLNwnWWcfrU7QZjKR0WSfOpzbfcAg2IaydGElSo10tVr4C7Fc6GtieTJX663WuJCc1uA83n4CSrH`,
    },
    name: `Starter ${n}`,
    upn: `starter.${n}@nhs.net`,
  };
}

/** A deterministic pseudo-random sequence (so every run seeds the same state). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Writes `count` users' records and progress into the store, `concurrency` at a time; resolves the elapsed ms. */
export async function seedUsers(storage: AtomicStorage, count: number, concurrency = 64): Promise<number> {
  const content = loadContent(join(ROOT, 'cards'));
  const journey = content.journey;
  const actions = allActions(journey).map((a) => a.id);
  const users = new UserStore(storage, 3);
  const random = lcg(7);
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const { ref, name, upn } = benchUser(i);
      const joined = new Date(Date.UTC(2025, 8, 1) + Math.floor(random() * 60) * 86_400_000);
      const seen = new Date(joined.getTime() + Math.floor(random() * 20) * 86_400_000);
      await users.updateRecord(ref, () => ({
        userId: ref.userId,
        aadObjectId: ref.aadObjectId as string,
        tenantId: ref.tenantId,
        address: upn,
        conversationId: ref.conversationId,
        reference: {
          activityId: `f:${1932201948711236540n + BigInt(i)}`,
          user: { id: ref.userId, name, aadObjectId: ref.aadObjectId },
          bot: { id: `28:${BENCH_APP_ID}`, name: 'NHSmail Welcome' },
          conversation: { id: ref.conversationId, conversationType: 'personal', tenantId: ref.tenantId, isGroup: false, name: '' },
          channelId: 'msteams',
          locale: 'en-GB',
          serviceUrl: SEED_SERVICE_URL,
        },
        installed: true,
        welcome: { claimedAt: joined.toISOString(), sentAt: joined.toISOString() },
        firstSeenAt: joined.toISOString(),
        lastSeenAt: seen.toISOString(),
      }));
      let progress = startProgress(journey, { kind: 'self' }, joined);
      const done = Math.floor(random() * actions.length);
      for (const id of actions.slice(0, done)) progress = acknowledge(progress, journey, id, seen);
      const step = journey.steps[Math.floor(random() * journey.steps.length)];
      if (step) progress = moveTo(progress, journey, step.id, seen);
      const final = progress;
      await users.updateProgress(ref, () => final);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - started;
}
