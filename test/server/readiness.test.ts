import { Readiness } from '../../src/server/readiness';

describe('Readiness: what a loop of /readyz probes costs the dependencies', () => {
  it('calls a failing or throttling Graph once per reuse period, however many probes come one after another', async () => {
    let t = 0;
    let graphCalls = 0;
    let storageCalls = 0;
    const readiness = new Readiness(
      [
        { name: 'storage', check: async () => void storageCalls++ },
        {
          name: 'graph',
          reuseUpMs: 30_000,
          reuseDownMs: 10_000,
          check: async () => {
            graphCalls++;
            throw new Error('429');
          },
        },
      ],
      2000,
      () => t,
    );
    for (let i = 0; i < 200; i++) {
      const report = await readiness.report();
      expect(report.dependencies.graph).toMatchObject({ state: 'down', reason: 'unreachable' });
      t += 10; // 200 probes in 2 s
    }
    expect(graphCalls).toBe(1);
    // The store is checked every time: a local call, and the probe must see it come back at once.
    expect(storageCalls).toBe(200);
    t += 10_000;
    await readiness.report();
    expect(graphCalls).toBe(2);
  });
});
