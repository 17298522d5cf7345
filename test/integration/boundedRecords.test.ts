/**
 * What the bot stores about a user is bounded, whatever the activity carried: a huge display name or a deeply
 * nested object in `from` costs no more than a normal record, and never stops the user being welcomed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeItemFile } from '../../src/state/fileStorage';
import { personalInstall, postActivity, type TeamsScene } from '../helpers/activities';
import { newStarter, startBot, startTeams, tempDataDir, type RunningBot } from '../helpers/botHarness';
import type { JsonObject } from '../helpers/loopback';
import type { TeamsEmulator } from '../helpers/teamsEmulator';

let teams: TeamsEmulator;
let scene: TeamsScene;
let bot: RunningBot;
let dataDir: string;

beforeAll(async () => {
  ({ teams, scene } = await startTeams());
  dataDir = tempDataDir();
  bot = await startBot({ DATA_DIR: dataDir, MAX_BODY_BYTES: String(1024 * 1024), GRAPH_ENABLED: 'false' });
});
afterAll(async () => {
  await bot.close();
  await teams.close();
});

/** Every stored file under the data directory, with its size: for an item file, the size of the item it holds. */
function storedFiles(dir: string): { path: string; size: number }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile())
    .map((p) => ({ path: p, size: p.endsWith('.item') ? Buffer.byteLength(decodeItemFile(readFileSync(p)).text) : statSync(p).size }));
}

describe('a user record holds a bounded address', () => {
  it('keeps a 200 KB display name out of the record, and still welcomes the user', async () => {
    const { who, conversationId } = newStarter(teams);
    const activity = personalInstall(scene, who, conversationId);
    (activity['from'] as JsonObject)['name'] = 'N'.repeat(200_000);
    expect((await postActivity(bot.messagesUrl, activity)).status).toBe(200);
    expect(teams.sentTo(conversationId)).toHaveLength(1);
    const biggest = Math.max(...storedFiles(dataDir).map((f) => f.size));
    expect(biggest).toBeLessThan(8 * 1024);
  });

  it('welcomes a user whose activity has 50,000 levels of nesting inside `from`', async () => {
    const { who, conversationId } = newStarter(teams);
    const activity = personalInstall(scene, who, conversationId);
    (activity['from'] as JsonObject)['extra'] = '__DEEP__';
    // Written as text: JSON.stringify itself cannot go that deep.
    const body = JSON.stringify(activity).replace('"__DEEP__"', `${'{"a":'.repeat(50_000)}{}${'}'.repeat(50_000)}`);
    const res = await fetch(bot.messagesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    expect(teams.sentTo(conversationId)).toHaveLength(1);
    const records = storedFiles(dataDir).filter((f) => readFileSync(f.path, 'utf8').includes(who.aadObjectId));
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) expect(r.size).toBeLessThan(8 * 1024);
  });
});
