import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeItemFile } from '../../src/state/fileStorage';
import { adaptiveCardAction, personalInstall, postActivity, type ActivityUser, type TeamsScene } from '../helpers/activities';
import { newStarter, startTeams, tempDataDir } from '../helpers/botHarness';
import { exited, startBotProcess as startProcess } from '../helpers/botProcess';
import { cardText } from '../helpers/cardText';
import type { TeamsEmulator } from '../helpers/teamsEmulator';

let teams: TeamsEmulator;
let scene: TeamsScene;

beforeAll(async () => {
  ({ teams, scene } = await startTeams({ conversationWindows: [{ limit: 1_000_000, windowMs: 1000 }], tenantPerSecond: 1_000_000 }));
});
afterAll(async () => {
  await teams.close();
});

describe('crash safety on the file store', () => {
  it('keeps every acknowledgement that got a 200 when the process is killed -9 mid-storm, and no file is corrupt', async () => {
    const dataDir = tempDataDir();
    const first = await startProcess({ DATA_DIR: dataDir });
    const starters: { who: ActivityUser; conversationId: string }[] = Array.from({ length: 10 }, () => newStarter(teams));
    for (const s of starters) await postActivity(first.url, personalInstall(scene, s.who, s.conversationId));
    const actionIds = [
      'training-guidance',
      'service-status',
      'profile-details',
      'uk-mobile-number',
      'sspr-registration',
      'transparency',
      'teams-getting-started',
      'account-secret',
      'mailbox-quota',
      'mfa',
    ];

    const confirmed: { starter: number; actionId: string }[] = [];
    const KILL_AFTER = 15;
    const storm = starters.flatMap((s, i) =>
      actionIds.map(async (actionId, j) => {
        await new Promise((r) => setTimeout(r, j * 15));
        try {
          const res = await postActivity(first.url, adaptiveCardAction(scene, s.who, s.conversationId, { verb: 'ack', data: { verb: 'ack', actionId } }));
          if (res.status === 200 && (res.body as { type?: string }).type === 'application/vnd.microsoft.card.adaptive') {
            confirmed.push({ starter: i, actionId });
            // Kill -9 once the storm is under way: after the first confirmations, with the rest in flight or unsent.
            if (confirmed.length === KILL_AFTER) first.child.kill('SIGKILL');
          }
        } catch {
          // the connection died with the process: not confirmed
        }
      }),
    );
    await Promise.all(storm);
    if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL'); // the storm ended first: fails below
    await exited(first.child);
    // The kill really landed mid-storm: some acknowledgements were confirmed, some never were.
    expect(confirmed.length).toBeGreaterThan(0);
    expect(confirmed.length).toBeLessThan(starters.length * actionIds.length);

    // Every stored item file has a whole slot holding a whole item (a killed overwrite leaves the slot before it; a
    // killed new file leaves at most a temporary file behind).
    const stateDir = join(dataDir, 'state');
    const itemFiles = readdirSync(stateDir).filter((f) => f.endsWith('.item'));
    expect(itemFiles.length).toBeGreaterThan(0);
    for (const file of itemFiles) {
      expect(() => JSON.parse(decodeItemFile(readFileSync(join(stateDir, file))).text)).not.toThrow();
    }

    // The killed process's claim on the store goes stale within 10 s; the new one waits for it (src/state/storeClaim.ts).
    const second = await startProcess({ DATA_DIR: dataDir }, 40_000);
    try {
      for (const [i, s] of starters.entries()) {
        const res = await postActivity(second.url, adaptiveCardAction(scene, s.who, s.conversationId, { verb: 'progress', data: { verb: 'progress' } }));
        const text = cardText((res.body as { value: unknown }).value);
        const done = text.slice(text.indexOf('Done:'));
        for (const c of confirmed.filter((c) => c.starter === i)) {
          const title = (await import('../../cards/journey.json')).steps.flatMap((st) => st.actions).find((a) => a.id === c.actionId)?.title ?? '';
          expect({ starter: i, actionId: c.actionId, recorded: done.includes(`✓ ${title.replace('{service}', 'NHSmail')}`) }).toEqual({
            starter: i,
            actionId: c.actionId,
            recorded: true,
          });
        }
      }
    } finally {
      second.child.kill('SIGTERM');
      await exited(second.child);
    }
  }, 90_000);
});
