/**
 * `npm run content:check [-- <content dir>]`: validates the journey, the links and the intent map the way the
 * bot will use them (schema, every intent reachable, no phrase claimed twice, https links on the allow-list,
 * every card valid for Teams). Exit code 1 with one line per fault; 0 and a summary when all is well.
 */
import { join } from 'node:path';
import { checkContent } from '../src/intents/contentCheck';

const dir = process.argv[2] ?? process.env.CONTENT_DIR ?? join(__dirname, '..', 'cards');
const faults = checkContent(dir);
for (const fault of faults) process.stderr.write(`${fault}\n`);
process.stdout.write(faults.length === 0 ? `content OK: ${dir}\n` : `${faults.length} fault(s) in ${dir}\n`);
process.exitCode = faults.length === 0 ? 0 : 1;
