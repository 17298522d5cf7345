/**
 * `npm run audit -- [--la <object id or name>] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]`
 * Prints the audit trail of LA pushes, refusals and delivery outcomes, oldest first.
 */
import 'dotenv/config';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createAuditTrail } from '../admin/createAuditTrail';
import { loadConfig } from '../config/config';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { la: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const date = (text: string | undefined, endOfDay: boolean): Date | undefined => {
    if (text === undefined) return undefined;
    const d = new Date(`${text}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z`);
    if (Number.isNaN(d.getTime())) throw new Error(`not a date (YYYY-MM-DD): ${text}`);
    return d;
  };
  const config = loadConfig(process.env, { contentDir: join(__dirname, '..', '..', 'cards') });
  const trail = createAuditTrail(config);
  const entries = await trail.read({
    ...(values.la !== undefined ? { by: values.la } : {}),
    ...(values.from !== undefined ? { from: date(values.from, false) as Date } : {}),
    ...(values.to !== undefined ? { to: date(values.to, true) as Date } : {}),
  });
  for (const e of entries) {
    if (values.json) {
      process.stdout.write(`${JSON.stringify(e)}\n`);
    } else {
      const who = e.byName ? `${e.byName} (${e.by})` : e.by;
      const parts = [e.at, e.event, `by ${who}`, e.starter ? `starter ${e.starter}` : '', e.outcome ?? '', e.detail ?? '', e.via ? `via ${e.via}` : ''];
      process.stdout.write(`${parts.filter((p) => p !== '').join('  ')}\n`);
    }
  }
  if (!values.json) process.stdout.write(`${entries.length} entries\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
