import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempDataDir } from '../helpers/botHarness';
import { ROOT, spawnBot } from '../helpers/botProcess';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real entry point (src/index.ts) as a process; optionally does something once it listens. */
function runBot(env: Record<string, string>, whenListening?: (port: number, child: ReturnType<typeof spawnBot>) => Promise<void>): Promise<Run> {
  return new Promise((resolve, reject) => {
    // cwd outside the repository: no .env is read.
    const child = spawnBot({ PORT: '0', DATA_DIR: tempDataDir(), LOG_LEVEL: 'info', ...env }, tmpdir());
    let stdout = '';
    let stderr = '';
    let started = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /"event":"server.listening","port":(\d+)/.exec(stdout);
      if (match && !started && whenListening) {
        started = true;
        whenListening(Number(match[1]), child).catch(reject);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('starting and stopping the process', () => {
  it('refuses to start in production without a Microsoft app id, in one line', async () => {
    const run = await runBot({ NODE_ENV: 'production' });
    expect(run.code).toBe(2);
    // Nothing else on stderr: no runtime warning either (restify 11 printed DEP0111 on every start).
    expect(run.stderr.trim().split('\n')).toEqual([
      'Invalid setting MicrosoftAppId: required when NODE_ENV=production (without it every request is accepted unauthenticated)',
    ]);
  });

  it('names the file, the path and the fault when content is broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'content-'));
    cpSync(join(ROOT, 'cards'), dir, { recursive: true });
    writeFileSync(
      join(dir, 'links.json'),
      JSON.stringify({
        unverifiedTitle: 'Search the Support Site',
        links: { portal: { url: 'https://portal.nhs.net/', title: '', verified: true, source: 's' } },
      }),
    );
    const run = await runBot({ CONTENT_DIR: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Content error: links.json at links.portal.title: must not be empty');
  });

  it('finishes a request in flight on SIGTERM, then exits 0', async () => {
    let inFlightStatus = 0;
    const run = await runBot({}, async (port, child) => {
      // A request whose body is still arriving when SIGTERM lands: the server has it in hand and must answer it.
      const body = JSON.stringify({
        type: 'typing',
        id: 'in-flight',
        channelId: 'msteams',
        serviceUrl: 'http://127.0.0.1:9/',
        from: { id: '29:someone' },
        recipient: { id: '28:bot' },
        conversation: { id: 'a:conversation' },
      });
      const answered = new Promise<number>((resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port,
          path: '/api/messages',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.write(body.slice(0, 20));
        setTimeout(() => {
          child.kill('SIGTERM');
          setTimeout(() => req.end(body.slice(20)), 200);
        }, 300);
      });
      inFlightStatus = await answered;
    });
    expect(inFlightStatus).toBe(200);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"event":"server.stopping","signal":"SIGTERM"');
  });
});
