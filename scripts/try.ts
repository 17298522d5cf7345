/**
 * `npm run try`: starts the bot on the embedded defaults and the Microsoft 365 Agents Playground pointed at it,
 * so you can chat with the bot as a Teams user would, in a browser, without Teams or Azure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const port = process.env.PORT ?? '3978';
const root = join(__dirname, '..');
const children: ChildProcess[] = [];

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
  children.push(child);
  child.on('exit', (code) => {
    for (const other of children) if (other !== child) other.kill('SIGTERM');
    process.exitCode = code ?? 0;
  });
  return child;
}

run(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/index.ts'], { ...process.env, PORT: port });
run(process.execPath, [
  join(root, 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js'),
  '-e',
  `http://127.0.0.1:${port}/api/messages`,
  '-c',
  'msteams',
  '--disable-telemetry',
]);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => children.forEach((c) => c.kill(signal)));
