import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FileStorage } from '../../src/state/fileStorage';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';
import { groupQuestions, MAX_PER_DAY, redact, UnansweredLog } from '../../src/intents/unanswered';
import { tempDataDir } from '../helpers/botHarness';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

describe('unanswered questions', () => {
  it('removes email addresses and phone numbers before anything is stored', () => {
    expect(redact('I am jane.doe@nhs.net, call 07700 900123 or +44 20 7946 0958')).toBe('I am [email], call [number] or [number]');
    expect(redact('ward 7 printer')).toBe('ward 7 printer');
    expect(redact('x'.repeat(1000))).toHaveLength(300);
    // A forged question on a vote button must not carry terminal escapes or fake lines into a report.
    const forged = '\u001b[2K\r   0 not helpful  999 helpful\n\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007 \u202eoops';
    expect(redact(forged)).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(redact(forged)).toContain('click');
  });

  it('keeps questions for the retention period; the list hides older ones and the retention sweep deletes them', async () => {
    let now = new Date('2026-11-01T09:00:00Z');
    const storage = new AtomicMemoryStorage();
    const log = new UnansweredLog(storage, 30, () => now);
    await log.record('where is the canteen', []);
    now = new Date('2026-11-20T09:00:00Z');
    await log.record('Where is the canteen?', [{ intent: 'directory', score: 1 }]);
    expect((await log.list()).map((q) => q.text)).toEqual(['where is the canteen', 'Where is the canteen?']);
    now = new Date('2026-12-05T09:00:00Z');
    expect((await log.list()).map((q) => q.text)).toEqual(['Where is the canteen?']);
    const stored = async (): Promise<number> => {
      let n = 0;
      for await (const _ of storage.list('unanswered/')) n++;
      return n;
    };
    expect(await stored()).toBe(2); // reading writes nothing (the report may run beside the bot, read-only)
    await log.sweep();
    expect(await stored()).toBe(1); // the expired one is gone from the store, not just hidden
  });

  it('records at most MAX_PER_DAY questions a day per instance, then starts again the next day', async () => {
    let now = new Date('2026-11-01T09:00:00Z');
    const log = new UnansweredLog(new AtomicMemoryStorage(), 30, () => now);
    for (let i = 0; i < MAX_PER_DAY; i++) expect(await log.record(`nonsense ${i}`, [])).toBe(true);
    expect(await log.record('one too many', [])).toBe(false);
    expect(await log.list()).toHaveLength(MAX_PER_DAY);
    now = new Date('2026-11-02T09:00:00Z');
    expect(await log.record('a new day', [])).toBe(true);
  });

  it('groups questions that mean the same words, most asked first', () => {
    const at = '2026-11-20T09:00:00.000Z';
    const groups = groupQuestions(
      [
        { text: 'where is the canteen', at, candidates: [] },
        { text: 'Where is the canteen?', at, candidates: [] },
        { text: 'parking permit', at, candidates: [{ intent: 'directory', score: 1 }] },
      ],
      (t) =>
        t
          .toLowerCase()
          .replace(/[^a-z ]/g, '')
          .replace(/\b(where|is|the)\b/g, '')
          .trim(),
    );
    expect(groups.map((g) => [g.key, g.count])).toEqual([
      ['canteen', 2],
      ['parking permit', 1],
    ]);
    expect(groups[1]?.nearest).toBe('directory');
  });

  it('npm run report:unanswered lists what the file store holds, grouped', async () => {
    const dataDir = tempDataDir();
    const log = new UnansweredLog(new FileStorage(join(dataDir, 'state')), 30, () => new Date());
    await log.record('how do I claim mileage', []);
    await log.record('How do I claim mileage?', []);
    await log.record('where is the canteen', []);
    const run = spawnSync(process.execPath, [TSX, join(ROOT, 'src', 'cli', 'report-unanswered.ts')], {
      encoding: 'utf8',
      cwd: dataDir,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
    });
    expect(run.stderr).toBe('');
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\s*2\s+how do I claim mileage \| How do I claim mileage\?/);
    expect(lines[1]).toMatch(/^\s*1\s+where is the canteen/);
    expect(lines.at(-1)).toBe('3 unanswered question(s) in the last 30 days, 2 group(s)');
  });
});
