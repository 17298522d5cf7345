// ESLint: typescript-eslint's recommended rules, plus import rules that encode the layering (docs/architecture.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The SDK that reached end of support: only the Teams edge (and the composition root) may import it. */
const BOTBUILDER = [
  {
    group: ['botbuilder', 'botbuilder-*', 'botframework-*'],
    message: 'botbuilder lives in src/teams only (the Teams edge): the core speaks through ChatTurn, ChatAddress and the gateways.',
  },
];
const EDGES = [
  {
    group: ['**/teams/*', '**/server/*', '**/cli/*', '**/app'],
    message: 'The core never imports an edge (src/teams, src/server), a CLI or the composition root.',
  },
  { group: ['restify'], message: 'restify lives in src/server only (the HTTP edge).' },
];
/** Authoring tools (the card catalogue and its rules, the content check, the manifest builder): never on the runtime path. */
const TOOLING = [
  {
    group: ['**/cards/catalogue', '**/cards/cardRules', '**/intents/contentCheck', '**/manifest', '**/manifest/*'],
    message: 'Authoring tools (card catalogue and rules, content check, manifest) stay out of the runtime path.',
  },
];
const CORE = [
  'src/admin/**',
  'src/cards/**',
  'src/content/**',
  'src/delivery/**',
  'src/feedback/**',
  'src/funnel/**',
  'src/intents/**',
  'src/jobs/**',
  'src/journey/**',
  'src/reminders/**',
  'src/routing/**',
  'src/state/**',
  'src/telemetry/**',
];
const TOOLING_FILES = ['src/cards/catalogue.ts', 'src/cards/cardRules.ts', 'src/intents/contentCheck.ts', 'src/manifest/**'];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'build/',
      'data/',
      'coverage/',
      '.tmp/',
      'bench/out/',
      'gallery/',
      'scratch/',
      'src/tabs/web/**/*.js',
      'scripts/card-gallery/page.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  // The core: no SDK, no edge, no authoring tools.
  { files: CORE, ignores: TOOLING_FILES, rules: { 'no-restricted-imports': ['error', { patterns: [...BOTBUILDER, ...EDGES, ...TOOLING] }] } },
  // The HTTP edge: restify, but not botbuilder (it calls the Teams edge through ActivityEndpoint).
  { files: ['src/server/**'], rules: { 'no-restricted-imports': ['error', { patterns: [...BOTBUILDER, ...TOOLING] }] } },
  // The Teams edge and the composition root may use botbuilder, never the authoring tools.
  {
    files: ['src/teams/**', 'src/app.ts', 'src/index.ts', 'src/graph/**', 'src/auth/**', 'src/config/**', 'src/log.ts', 'src/errorSummary.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: TOOLING }] },
  },
  // Optional SDKs (Azure Blob and Queue Storage, OpenTelemetry exporters) are loaded with require() only when the
  // configuration asks for them: the embedded default starts without them (start-up time and memory, npm run bench).
  // Likewise proper-lockfile, which only the file store's claim needs, and adaptivecards-templating, which only a card
  // the template compiler does not cover needs.
  {
    files: [
      'src/admin/createAuditTrail.ts',
      'src/cards/render.ts',
      'src/delivery/azureQueue.ts',
      'src/delivery/transports.ts',
      'src/state/blobStorage.ts',
      'src/state/createStorage.ts',
      'src/state/storeClaim.ts',
      'src/telemetry/setup.ts',
      'test/bench/deployed.test.ts',
    ],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['jest.config.js'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } } },
  // Tests may reach into anything, and use jest's globals.
  { files: ['test/**', 'bench/**', 'scripts/**'], rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },
);
