/**
 * `npm run report:funnel [-- --from 2026-11-02 --to 2026-12-06] [--json]`: the completion funnel of the starters
 * welcomed in a period (default the last 8 weeks): how many opened the second step, did each must-do action, did them
 * all, and finished; overall, by welcome week and by push. Counts only, never who. Reads one tally per week and per
 * push in the period, whatever the number of users.
 */
import 'dotenv/config';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../config/config';
import { loadContent } from '../content/load';
import type { FunnelTally } from '../funnel/funnel';
import { FunnelStore } from '../funnel/funnelStore';
import { createStorage } from '../state/createStorage';
import { UserStore } from '../state/users';
import { noTelemetry } from '../telemetry/telemetry';

const DAY_MS = 24 * 60 * 60 * 1000;
const isoDate = z.iso.date();

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const to = values.to !== undefined ? new Date(`${isoDate.parse(values.to)}T23:59:59Z`) : new Date();
  const from = values.from !== undefined ? new Date(`${isoDate.parse(values.from)}T00:00:00Z`) : new Date(to.getTime() - 8 * 7 * DAY_MS);
  if (from.getTime() > to.getTime()) throw new Error('--from must be on or before --to');
  const config = loadConfig(process.env, { contentDir: join(__dirname, '..', '..', 'cards') });
  const content = loadContent(config.contentDir);
  const storage = createStorage(config, { readOnly: true });
  const funnel = new FunnelStore({
    storage,
    users: new UserStore(storage, config.stateWriteRetries),
    journey: content.journey,
    telemetry: noTelemetry,
    retries: config.stateWriteRetries,
    now: () => new Date(),
  });
  const report = await funnel.report(from, to);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const headings = ['welcomed', 'step 2', ...report.mustDo, 'all must-do', 'finished'];
  const row = (label: string, t: FunnelTally): string =>
    [
      label.padEnd(40),
      ...[t.welcomed, t.secondStep, ...report.mustDo.map((id) => t.actions[id] ?? 0), t.mustDoAll, t.finished].map((n, i) =>
        cell(n, t.welcomed, headings[i] as string),
      ),
    ].join(' ');
  const out: string[] = [];
  out.push(`Completion funnel: starters welcomed ${from.toISOString().slice(0, 10)} to ${to.toISOString().slice(0, 10)} (whole ISO weeks, UTC)`);
  out.push(['cohort'.padEnd(40), ...headings.map((h) => h.padStart(Math.max(h.length, 12)))].join(' '));
  out.push(row('overall', report.overall));
  for (const w of report.weeks) out.push(row(`week ${w.week}`, w.tally));
  for (const p of report.pushes) out.push(row(`push ${p.pushId.slice(0, 8)} (${p.week})`, p.tally));
  out.push('Each cell: starters (and % of those welcomed in the cohort). Starters who used "forget me" stay counted.');
  process.stdout.write(`${out.join('\n')}\n`);
}

function cell(n: number, of: number, heading: string): string {
  const text = heading === 'welcomed' || of === 0 ? String(n) : `${n} (${Math.round((100 * n) / of)}%)`;
  return text.padStart(Math.max(heading.length, 12));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof z.ZodError ? 'dates must be YYYY-MM-DD' : error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
