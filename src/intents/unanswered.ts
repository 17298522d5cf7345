import { randomUUID } from 'node:crypto';
import { keys, prefixes } from '../state/keys';
import type { AtomicStorage } from '../state/storage';
import type { Candidate } from './matcher';

/** One question the bot could not answer: what was asked, when, and what nearly matched. Never who asked. */
export interface UnansweredQuestion {
  readonly text: string;
  readonly at: string;
  readonly candidates: readonly Candidate[];
}

const PREFIX = prefixes.unanswered;
const MAX_TEXT = 300;
/** Most questions one instance records in a day: a flood of nonsense must not grow the store without bound. */
export const MAX_PER_DAY = 1000;

/** Removes what could identify someone if they typed it into a question: email addresses and long numbers. */
export function redact(text: string): string {
  return (
    text
      .slice(0, MAX_TEXT)
      // Control and format characters (terminal escapes, carriage returns, bidirectional overrides) become spaces:
      // reports print these questions to a content editor's terminal.
      .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
      .replace(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, '[email]')
      .replace(/\+?\d[\d\s-]{5,}\d/g, '[number]')
  );
}

/**
 * The questions that fell back, for content editors (npm run report:unanswered). Kept in the bot's store,
 * one item per question under a time-ordered key, so several instances add to one log; deleted after the
 * configured number of days.
 */
export class UnansweredLog {
  private day = '';
  private recordedToday = 0;

  constructor(
    private readonly storage: AtomicStorage,
    private readonly retentionDays: number,
    private readonly now: () => Date,
  ) {}

  /** Records a question; false when today's cap is reached and it was dropped. */
  async record(text: string, candidates: readonly Candidate[]): Promise<boolean> {
    const at = this.now().toISOString();
    if (at.slice(0, 10) !== this.day) {
      this.day = at.slice(0, 10);
      this.recordedToday = 0;
    }
    if (this.recordedToday >= MAX_PER_DAY) return false;
    this.recordedToday++;
    const item: UnansweredQuestion = { text: redact(text), at, candidates };
    await this.storage.createIfAbsent(keys.unanswered(at, randomUUID()), { ...item });
    return true;
  }

  /** Deletes questions older than the retention period (the retention job runs it). */
  async sweep(): Promise<void> {
    const { expired } = await this.keysByAge();
    if (expired.length > 0) await this.storage.delete(expired);
  }

  /** The keys of questions within the retention period (oldest first), and of those past it. */
  private async keysByAge(): Promise<{ live: string[]; expired: string[] }> {
    const cutoff = this.now().getTime() - this.retentionDays * 24 * 60 * 60 * 1000;
    const keys: string[] = [];
    for await (const key of this.storage.list(PREFIX)) keys.push(key);
    keys.sort();
    const isExpired = (k: string) => Date.parse(k.slice(PREFIX.length, PREFIX.length + 24)) < cutoff;
    return { live: keys.filter((k) => !isExpired(k)), expired: keys.filter(isExpired) };
  }

  /**
   * Every question still within the retention period, oldest first. Reading writes nothing (the report may run beside
   * the bot on a read-only store); older questions are left for the retention job's sweep.
   */
  async list(): Promise<UnansweredQuestion[]> {
    const { live } = await this.keysByAge();
    const found: UnansweredQuestion[] = [];
    for (let i = 0; i < live.length; i += 100) {
      const items = await this.storage.read(live.slice(i, i + 100));
      for (const key of live.slice(i, i + 100)) {
        const item = items[key] as Partial<UnansweredQuestion> | undefined;
        if (item && typeof item.text === 'string' && typeof item.at === 'string') {
          found.push({ text: item.text, at: item.at, candidates: Array.isArray(item.candidates) ? item.candidates : [] });
        }
      }
    }
    return found;
  }
}

/** Groups questions that normalise to the same words, most asked first. */
export function groupQuestions(
  questions: readonly UnansweredQuestion[],
  normalise: (text: string) => string,
): { readonly key: string; readonly count: number; readonly examples: readonly string[]; readonly lastAt: string; readonly nearest: string | undefined }[] {
  const groups = new Map<string, { count: number; examples: string[]; lastAt: string; nearest: string | undefined }>();
  for (const q of questions) {
    const key = normalise(q.text) || '(no words)';
    const g = groups.get(key) ?? { count: 0, examples: [], lastAt: q.at, nearest: q.candidates[0]?.intent };
    g.count++;
    if (g.examples.length < 3 && !g.examples.includes(q.text)) g.examples.push(q.text);
    if (q.at > g.lastAt) g.lastAt = q.at;
    groups.set(key, g);
  }
  return [...groups.entries()].map(([key, g]) => ({ key, ...g })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}
