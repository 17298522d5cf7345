import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { ErrorObject } from 'ajv';

/** Folder of the Teams manifest schemas that @microsoft/app-manifest ships (read offline). */
export const TEAMS_SCHEMA_DIR = join(dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build', 'json-schemas', 'teams');

/** Numbered schema versions bundled (e.g. "1.30"), newest first; previews excluded. */
export function bundledSchemaVersions(): string[] {
  return readdirSync(TEAMS_SCHEMA_DIR)
    .filter((name) => /^v\d+\.\d+$/.test(name))
    .map((name) => name.slice(1))
    .sort((a, b) => {
      const [am = 0, an = 0] = a.split('.').map(Number);
      const [bm = 0, bn = 0] = b.split('.').map(Number);
      return bm - am || bn - an;
    });
}

/** The bundled MicrosoftTeams.schema.json for one version, as parsed JSON. */
export function loadManifestSchema(version: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(TEAMS_SCHEMA_DIR, `v${version}`, 'MicrosoftTeams.schema.json'), 'utf8')) as Record<string, unknown>;
}

/** Validates a manifest against a draft-04 schema the way @microsoft/app-manifest does; returns the errors. */
export function validateAgainst(schema: Record<string, unknown>, manifest: unknown): ErrorObject[] {
  const ajv = new Ajv04({ allErrors: true, strictTypes: false });
  addFormats(ajv, ['uri', 'email', 'regex']);
  const validate = ajv.compile(schema);
  return validate(manifest) ? [] : [...(validate.errors ?? [])];
}
