import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settingsSchema } from '../../src/config/config';

/** `NAME=value` lines of .env.example (comments and blank lines skipped). */
function documented(): string[] {
  return readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Za-z][A-Za-z0-9_]*)=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

describe('.env.example', () => {
  it('documents every setting the bot reads, and nothing it does not', () => {
    const read = Object.keys(settingsSchema.shape).sort();
    expect([...new Set(documented())].sort()).toEqual(read);
  });

  it('names each setting once', () => {
    const names = documented();
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});
