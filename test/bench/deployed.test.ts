import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOYED_NODE_OPTIONS } from '../../bench/lib/deployed';

// The benchmark measures memory with the node options the deployment guide gives; the two must not drift apart.
describe('node options the benchmark runs the bot with', () => {
  const guide = readFileSync(join(__dirname, '..', '..', 'docs', 'deploy.md'), 'utf8');

  it('are the ones the deployment guide sets in its container image and its settings table', () => {
    expect(guide).toContain(`ENV NODE_ENV=production NODE_OPTIONS=${DEPLOYED_NODE_OPTIONS}`);
    expect(guide).toContain(`| \`NODE_OPTIONS\` | \`${DEPLOYED_NODE_OPTIONS}\``);
  });

  it('are options node accepts in NODE_OPTIONS', () => {
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const out = execFileSync(process.execPath, ['-e', "process.stdout.write(String(require('v8').getHeapStatistics().total_available_size > 0))"], {
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: DEPLOYED_NODE_OPTIONS },
    });
    expect(out.toString()).toBe('true');
  });
});
