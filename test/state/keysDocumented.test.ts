/**
 * Every key the bot stores is built in src/state/keys.ts. The two pages that say what is stored must each name every
 * one of them: docs/storage.md for operators, and docs/nhsmail-assessment.md for the NHSmail assessors, who judge
 * the personal data kept and its retention. A key the code writes and a page leaves out is data nobody accounts for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobIds, keys } from '../../src/state/keys';
import { markdownSection, tableRows } from '../helpers/markdown';

const ROOT = join(__dirname, '..', '..');

/**
 * The key patterns in the first column of the table under `## heading`: each `code span`, a placeholder (`<tenant>`,
 * `{user}`) standing for one path segment, `…` for the rest of the key, and `<delivery id>` for a delivery's id,
 * which has segments of its own (`reminder/<tenant>/<user>/<stage>`).
 */
function documentedPatterns(page: string, heading: string): RegExp[] {
  const firstCells = tableRows(markdownSection(readFileSync(join(ROOT, 'docs', page), 'utf8'), heading)).map((cells) => cells[0] ?? '');
  return firstCells.flatMap((cell) =>
    [...cell.matchAll(/`([^`]+)`/g)].map(
      (m) =>
        new RegExp(
          `^${(m[1] as string)
            .split(/(\{[^}]+\}|<[^>]+>|…)/)
            .map((part) => (part === '…' || part === '<delivery id>' ? '.+' : /^[{<]/.test(part) ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
            .join('')}$`,
        ),
    ),
  );
}

/** A sample of every key each builder makes (deliveries: one per kind of delivery id). */
function sampleKeys(): Map<string, string[]> {
  const ids = [jobIds.welcome('push-1', 'sam.patel@nhs.net'), jobIds.reminder('tenant-1', 'user-1', 1), jobIds.installWelcome('tenant-1', 'user-1')];
  const special: Record<string, () => string[]> = {
    progress: () => [keys.progress('msteams', 'a:conversation-1', 'user-1')],
    groupIntro: () => [keys.groupIntro('msteams', '19:channel-1')],
    dueEntry: () => ['reminders', 'retention'].map((rule) => keys.dueEntry(rule, '2026-12-08', keys.user('tenant-1', 'user-1'))),
    job: () => ids.map((id) => keys.job(id)),
    poisoned: () => ids.map((id) => keys.poisoned(id)),
    queued: () => ids.map((id) => keys.queued(id)),
  };
  const samples = new Map<string, string[]>();
  for (const [name, build] of Object.entries(keys) as [string, (...args: string[]) => string][]) {
    const made = special[name];
    samples.set(name, made ? made() : [build(...Array.from({ length: build.length }, (_, i) => `part-${i}`))]);
  }
  return samples;
}

/** The keys of `samples` that no pattern matches, as "builder: key". */
function undocumented(patterns: RegExp[], samples: Map<string, string[]>, normalise: (key: string) => string = (k) => k): string[] {
  return [...samples].flatMap(([name, made]) => made.filter((key) => !patterns.some((p) => p.test(normalise(key)))).map((key) => `${name}: ${key}`));
}

describe('the pages that say what is stored', () => {
  const samples = sampleKeys();

  it('build a sample of every key (a new builder is checked without listing it here)', () => {
    expect([...samples.keys()].sort()).toEqual(Object.keys(keys).sort());
    expect([...samples.values()].every((made) => made.length > 0)).toBe(true);
  });

  it('docs/storage.md names every key the code stores', () => {
    expect(undocumented(documentedPatterns('storage.md', 'What is stored'), samples)).toEqual([]);
  });

  it('the assessment pack names every key the code stores, a delivery by its id wherever it waits', () => {
    // The pack lists deliveries by their ids (`deliveries/jobs/welcome/…`, `install-welcome/…`); the same delivery
    // in the poison queue or its queued mark carries the same id.
    const byId = (key: string): string => key.replace(/^deliveries\/(jobs|poison|queued)\//, '');
    const patterns = documentedPatterns('nhsmail-assessment.md', 'Data stored').map((p) => new RegExp(p.source.replace('^deliveries\\/jobs\\/', '^')));
    expect(undocumented(patterns, samples, byId)).toEqual([]);
  });
});
