/**
 * The real bot process (src/index.ts) exporting to an OpenTelemetry collector emulated on loopback, through
 * OTEL_EXPORTER_OTLP_ENDPOINT; and, with no exporter configured, no SDK loaded at all.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { personalInstall, postActivity } from '../helpers/activities';
import { newStarter, startTeams, tempDataDir } from '../helpers/botHarness';
import { exited, ROOT, spawnBot, whenListening } from '../helpers/botProcess';
import { startAppInsightsIngestion, startOtlpCollector, type OtlpCollector } from '../helpers/otlpCollector';

let collector: OtlpCollector;
beforeAll(async () => {
  collector = await startOtlpCollector();
});
afterAll(async () => {
  await collector.close();
});

async function eventually(check: () => boolean, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`not seen in time; collector has ${collector.posts.length} posts`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('OTLP export from the real bot process', () => {
  it("posts the turn span and the bot's metrics as OTLP/HTTP JSON, with nothing personal in them, and flushes at shutdown", async () => {
    const { teams, scene } = await startTeams();
    const child = spawnBot({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      GRAPH_ENABLED: 'false',
      DATA_DIR: tempDataDir(),
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_METRIC_EXPORT_INTERVAL: '300',
    });
    try {
      const port = await whenListening(child);
      const { user, who, conversationId } = newStarter(teams, 'Otlp Person');
      expect((await postActivity(`http://127.0.0.1:${port}/api/messages`, personalInstall(scene, who, conversationId))).status).toBe(200);
      await eventually(() => ['welcomebot.turns', 'welcomebot.welcomes', 'welcomebot.turn.duration'].every((name) => collector.metricNames().includes(name)));
      await eventually(() => collector.spanNames().includes('turn') && collector.spanNames().includes('storage'));
      expect(collector.posts.every((p) => p.contentType.startsWith('application/json'))).toBe(true);
      expect(collector.metricNames()).toEqual(expect.arrayContaining(['welcomebot.storage.duration', 'welcomebot.turn.duration', 'welcomebot.funnel']));
      expect(collector.attributes()).toEqual(expect.arrayContaining([['kind', 'installationUpdate']]));
      const everything = collector.posts.map((p) => p.raw).join('\n');
      for (const personal of [user.userId, user.aadObjectId, user.upn, user.name, conversationId]) expect(everything).not.toContain(personal);
      expect(everything).toContain('"service.name"');

      // What waits in the batch at SIGTERM is sent before the process ends.
      const before = collector.posts.length;
      await postActivity(`http://127.0.0.1:${port}/api/messages`, personalInstall(scene, who, conversationId));
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
      expect(collector.posts.length).toBeGreaterThan(before);
    } finally {
      child.kill('SIGKILL');
      await teams.close();
    }
  }, 60_000);

  it('sends the same to Application Insights (its ingestion emulated on loopback): turns as requests, storage as dependencies, the metrics, nothing personal', async () => {
    const ingestion = await startAppInsightsIngestion();
    const { teams, scene } = await startTeams();
    const child = spawnBot({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      GRAPH_ENABLED: 'false',
      DATA_DIR: tempDataDir(),
      APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
      // The SDK's own usage statistics go to Microsoft's endpoints, unreachable from here.
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
      NODE_EXTRA_CA_CERTS: ingestion.caFile,
      OTEL_METRIC_EXPORT_INTERVAL: '500',
    });
    try {
      const port = await whenListening(child);
      const { user, who, conversationId } = newStarter(teams, 'Insights Person');
      expect((await postActivity(`http://127.0.0.1:${port}/api/messages`, personalInstall(scene, who, conversationId))).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
      const of = (type: string) => ingestion.envelopes.filter((e) => e.data?.baseType === type);
      expect(of('RequestData').map((e) => e.data?.baseData?.name)).toContain('turn');
      expect(of('RemoteDependencyData').map((e) => e.data?.baseData?.name)).toContain('storage');
      expect(of('MetricData').flatMap((e) => e.data?.baseData?.metrics?.map((m) => m.name) ?? [])).toEqual(
        expect.arrayContaining(['welcomebot.turns', 'welcomebot.welcomes']),
      );
      // Only the bot's own spans: no automatic HTTP spans (their URLs would carry UPNs and keys).
      expect(of('RequestData').every((e) => e.data?.baseData?.name === 'turn')).toBe(true);
      const everything = ingestion.raw.join('\n');
      for (const personal of [user.userId, user.aadObjectId, user.upn, user.name, conversationId]) expect(everything).not.toContain(personal);
    } finally {
      child.kill('SIGKILL');
      await teams.close();
      await ingestion.close();
    }
  }, 60_000);

  it("with neither exporter configured, loads no OpenTelemetry SDK (the API's no-op meter and tracer)", async () => {
    const script = `
      const { startTelemetry } = require('./src/telemetry/setup');
      const runtime = startTelemetry({ azureMonitorConnectionString: undefined, otlpEndpoint: undefined, metricIntervalMs: 60000, traceSampleRatio: 1 });
      runtime.telemetry.count('turns', { kind: 'message' });
      const loaded = Object.keys(require.cache).filter((k) => /@opentelemetry\\/(sdk|exporter|resources)|@azure\\/monitor/.test(k));
      process.stdout.write(JSON.stringify({ exporting: runtime.exporting, loaded }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
    expect(JSON.parse(stdout)).toEqual({ exporting: [], loaded: [] });
  });
});
