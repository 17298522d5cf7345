import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadContent } from '../../src/content/load';
import { REQUIRED_INTENT_IDS } from '../../src/content/schema';
import { checkContent } from '../../src/intents/contentCheck';

const ROOT = join(__dirname, '..', '..');
const CARDS = join(ROOT, 'cards');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** A copy of the content with intents.json changed by `edit`. */
function contentWith(edit: (intents: { intents: Record<string, unknown>[] } & Record<string, unknown>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'content-'));
  cpSync(CARDS, dir, { recursive: true });
  const file = join(dir, 'intents.json');
  const intents = JSON.parse(readFileSync(file, 'utf8')) as { intents: Record<string, unknown>[] } & Record<string, unknown>;
  edit(intents);
  writeFileSync(file, JSON.stringify(intents));
  return dir;
}
const intent = (data: { intents: Record<string, unknown>[] }, id: string) => data.intents.find((i) => i['id'] === id) as Record<string, unknown>;

describe('the intent map as content', () => {
  const content = loadContent(CARDS);

  it('defines every required intent, each with an answer that carries facts and links', () => {
    for (const id of REQUIRED_INTENT_IDS) {
      const answer = content.intents.answers.get(id);
      expect(answer?.lines.length).toBeGreaterThan(0);
      expect(answer?.links.length).toBeGreaterThan(0);
    }
  });

  it('carries the facts of the verified sources', () => {
    const text = (id: string) => content.intents.answers.get(id)?.lines.join(' ') ?? '';
    expect(text('helpdesk')).toContain('0333 200 1133');
    expect(text('helpdesk')).toContain('helpdesk@nhs.net');
    expect(text('encryption')).toContain('[secure]');
    expect(text('mailbox-quota')).toMatch(/50 GB.*4 GB/);
    expect(text('password-reset')).toContain('365 days');
    expect(text('account-secret')).toContain('30 days');
    expect(text('mfa')).toContain('5 October 2023');
    expect(content.intents.answers.get('find-la')?.links.map((l) => l.url)).toContain(
      'https://support.nhs.net/knowledge-base/finding-your-local-administrator/',
    );
  });

  it('links unverified pages to the knowledge base, and lets configuration point them elsewhere', () => {
    expect(content.intents.answers.get('service-status')?.links[0]?.url).toBe('https://support.nhs.net/knowledge-base/');
    const overridden = loadContent(CARDS, { linkOverrides: { serviceStatus: 'https://support.nhs.net/service-status-example' } });
    expect(overridden.intents.answers.get('service-status')?.links[0]?.url).toBe('https://support.nhs.net/service-status-example');
  });

  it('uses the configured service name in answers', () => {
    const branded = loadContent(CARDS, { serviceName: 'NHS.net Connect' });
    expect(branded.intents.answers.get('service-status')?.title).toBe('Is NHS.net Connect down?');
  });

  it('passes the content check as shipped', () => {
    expect(checkContent(CARDS)).toEqual([]);
  });

  it('reports a phrase claimed by two intents', () => {
    const dir = contentWith((d) => (intent(d, 'mfa')['phrases'] as string[]).push('Reset passwords'));
    expect(checkContent(dir)).toContainEqual(expect.stringContaining('the phrase "reset password" is claimed by both "password-reset" and "mfa"'));
  });

  it('reports an intent that no question can reach', () => {
    const dir = contentWith((d) => {
      const nas = intent(d, 'nas');
      nas['requires'] = ['zzzz'];
    });
    expect(checkContent(dir)).toContainEqual(expect.stringContaining('intent "nas" is unreachable'));
  });

  it('stops with file, path and fault for a missing intent, an unknown link or action, or an unknown related intent', () => {
    expect(checkContent(contentWith((d) => (d.intents = d.intents.filter((i) => i['id'] !== 'directory'))))).toEqual([
      'intents.json at intents: the required intent "directory" is missing',
    ]);
    expect(checkContent(contentWith((d) => ((intent(d, 'mfa')['answer'] as { links: string[] }).links = ['nowhere'])))[0]).toMatch(
      /intents\.json at intents\[\d+\]\.answer\.links\[0\]: unknown link id "nowhere"/,
    );
    expect(checkContent(contentWith((d) => (intent(d, 'mfa')['actionId'] = 'no-such-action')))[0]).toMatch(/unknown journey action "no-such-action"/);
    expect(checkContent(contentWith((d) => (intent(d, 'mfa')['related'] = ['mfa'])))[0]).toMatch(/"mfa" is not another intent/);
    expect(checkContent(contentWith((d) => (d['threshold'] = -1)))[0]).toMatch(/intents\.json at threshold/);
  });

  it('npm run content:check exits 0 on the shipped content and 1 with the faults on broken content', () => {
    const ok = spawnSync(process.execPath, [TSX, join(ROOT, 'scripts', 'content-check.ts')], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('content OK');
    const broken = contentWith((d) => (intent(d, 'mfa')['phrases'] as string[]).push('forgot password'));
    const bad = spawnSync(process.execPath, [TSX, join(ROOT, 'scripts', 'content-check.ts'), broken], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('the phrase "forgot password" is claimed by both');
  });
});

describe('npm run ask', () => {
  it('answers one question a line as one JSON object a line', () => {
    const run = spawnSync(process.execPath, [TSX, join(ROOT, 'scripts', 'ask.ts'), '--json'], {
      input: 'how do I reset my password\nwhere is the canteen\n\nwho is my LA\n',
      encoding: 'utf8',
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(run.status).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { question: string; intent: string | null; confidence: number; answer: string });
    expect(lines.map((l) => [l.question, l.intent])).toEqual([
      ['how do I reset my password', 'password-reset'],
      ['where is the canteen', null],
      ['who is my LA', 'find-la'],
    ]);
    expect(lines[0]?.confidence).toBeGreaterThan(0.5);
    expect(lines[0]?.answer).toContain('Change Password');
    expect(lines[1]?.answer).toContain('I can only help with NHSmail');
    expect(lines[1]?.answer).not.toContain('0333 200 1133');
  });

  it('prints a readable answer without --json', () => {
    const run = spawnSync(process.execPath, [TSX, join(ROOT, 'scripts', 'ask.ts'), 'is nhsmail down'], {
      encoding: 'utf8',
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('[service-status, confidence');
    expect(run.stdout).toContain('service status pages');
  });
});

describe('entries that normalise to nothing', () => {
  it('are reported, as they can never match', () => {
    const dir = contentWith((d) => (intent(d, 'mfa')['phrases'] as string[]).push('how do I'));
    expect(checkContent(dir)).toContainEqual('intents.json: "how do I" in mfa.phrases is only stopwords and matches nothing');
  });
});

describe('links in the content check', () => {
  it('reports a link off the allow-list, or not https, with file, path and fault', () => {
    for (const [url, fault] of [
      ['https://987715.ixgpkh.asia/knowledge-base/', 'host 987715.ixgpkh.asia is not on the allow-list'],
      ['http://support.nhs.net/', 'must be an https URL'],
    ] as const) {
      const dir = contentWith(() => undefined);
      const file = join(dir, 'links.json');
      const links = JSON.parse(readFileSync(file, 'utf8')) as { links: Record<string, { url: string }> };
      (links.links['portal'] as { url: string }).url = url;
      writeFileSync(file, JSON.stringify(links));
      expect(checkContent(dir)).toEqual([expect.stringMatching(new RegExp(`^links\\.json at links\\.portal\\.url: .*${fault.replace(/\./g, '\\.')}`))]);
    }
  });
});
