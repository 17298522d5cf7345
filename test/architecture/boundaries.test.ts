import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The layering is kept by ESLint (eslint.config.mjs), and `npm test` runs it. These deliberate wrong imports show
 * that the rules bite where they should, and only there.
 */
const ROOT = join(__dirname, '..', '..');

/** The project's ESLint, as `npm run lint` runs it, on a file that is not there (its text on standard input). */
async function restricted(filePath: string, code: string): Promise<string[]> {
  let out: string;
  try {
    out = execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--format', 'json', '--stdin', '--stdin-filename', filePath],
      {
        cwd: ROOT,
        input: code,
        encoding: 'utf8',
      },
    );
  } catch (error) {
    out = (error as { stdout: string }).stdout; // exit code 1: problems found
  }
  const [result] = JSON.parse(out) as { messages: { ruleId: string | null; message: string }[] }[];
  return Promise.resolve((result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
}

describe('import boundaries (ESLint)', () => {
  it('refuses botbuilder in the core and in the HTTP edge', async () => {
    expect(await restricted('src/journey/wrong.ts', "import { CloudAdapter } from 'botbuilder';\nexport const a = CloudAdapter;\n")).toEqual([
      expect.stringContaining('botbuilder lives in src/teams only'),
    ]);
    expect(await restricted('src/server/wrong.ts', "import type { Activity } from 'botframework-schema';\nexport type A = Activity;\n")).toHaveLength(1);
  });

  it('refuses an edge, a CLI or the composition root in the core', async () => {
    for (const spec of ['../teams/welcomeBot', '../server/server', '../cli/retention', '../app']) {
      expect({ spec, refused: await restricted('src/admin/wrong.ts', `import * as x from '${spec}';\nexport { x };\n`) }).toEqual({
        spec,
        refused: [expect.stringContaining('The core never imports an edge')],
      });
    }
  });

  it('keeps the authoring tools (card catalogue, content check, manifest) off the runtime path', async () => {
    expect(await restricted('src/teams/wrong.ts', "import { catalogue } from '../cards/catalogue';\nexport { catalogue };\n")).toEqual([
      expect.stringContaining('Authoring tools'),
    ]);
    expect(await restricted('src/journey/wrong.ts', "import { buildManifest } from '../manifest';\nexport { buildManifest };\n")).toHaveLength(1);
  });

  it('lets the Teams edge use botbuilder, and the core use the core', async () => {
    expect(await restricted('src/teams/fine.ts', "import { CloudAdapter } from 'botbuilder';\nexport const a = CloudAdapter;\n")).toEqual([]);
    expect(await restricted('src/journey/fine.ts', "import { keys } from '../state/keys';\nexport { keys };\n")).toEqual([]);
  });
});
