import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import importPlugin from 'eslint-plugin-import';

const require = createRequire(import.meta.url);
// @salesforce/eslint-config-lwc ships flat configs as CommonJS.
const lwcRecommended = require('@salesforce/eslint-config-lwc/recommended');
const here = path.dirname(fileURLToPath(import.meta.url));

// Rooms of engine/src and the ways between them (house plan: arrows point down).
const src = 'engine/src';
const domains = `${src}/!(api|cli)/**`;
const houseZones = [
  {
    target: src,
    from: ['test', 'engine/test', 'bench', 'scripts'],
    message: 'The engine never imports tests, the emulator, benchmarks or launchers.',
  },
  {
    target: [domains, `${src}/context.ts`, `${src}/errors.ts`],
    from: [`${src}/api`, `${src}/cli`],
    message: 'Arrows point down: a domain never imports api/ or cli/; they call the domain.',
  },
  {
    target: domains,
    from: [`${src}/services.ts`, `${src}/main.ts`],
    message: 'Only api/ and cli/ reach the composition root; a domain is handed what it needs.',
  },
  { target: `${src}/store`, from: `${src}/salesforce`, message: 'store/ knows nothing of Salesforce.' },
  { target: `${src}/salesforce`, from: `${src}/store`, message: 'salesforce/ knows nothing of how backups are stored.' },
  {
    target: `${src}/audit`,
    from: ['backup', 'cdp', 'orgs', 'restore', 'retention', 'salesforce', 'schedule', 'store', 'tenants'].map((d) => `${src}/${d}`),
    message: 'audit/ is a leaf: every room may record into it, it reaches into none (the trail must not depend on what it records).',
  },
  {
    target: ['orgs', 'salesforce', 'store', 'tenants'].map((d) => `${src}/${d}`),
    from: `${src}/retention`,
    message: 'retention/ sits above the store and the orgs: it decides what they keep; they never ask it (its callers do).',
  },
];
const noSqlHere = "api/ and cli/ hold no SQL: call the owning domain's service (its sql.ts holds the statements).";
const sqlText = '/^\\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE|COPY)\\s/';
const sqlOrSoqlHere =
  "SQL lives in the domain's sql.ts, SOQL is built in salesforce/ (scope.ts, record-queries.ts): call the function there.";
const queryText = [
  { selector: `Literal[value=${sqlText}]`, message: sqlOrSoqlHere },
  { selector: `TemplateElement[value.raw=${sqlText}]`, message: sqlOrSoqlHere },
];

export default [
  {
    ignores: [
      'node_modules/**',
      '.orgvault/**',
      'coverage/**',
      'dist/**',
      '.sf/**',
      '.sfdx/**',
      'test-artifacts/**',
      'bench/results/**',
      // Vendored builds (Chart.js, copied from node_modules)
      'force-app/main/default/staticresources/**',
      '**/*.cjs',
    ],
  },
  // Engine, emulator, scripts, benchmarks: TypeScript.
  ...tseslint.config({
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  }),
  // The house's rules (docs/architecture.md, issue #14), proved by test/lint/house-rules.test.ts.
  {
    files: ['engine/src/**/*.ts'],
    plugins: { import: importPlugin },
    settings: {
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import/resolver': { [path.join(here, 'eslint-ts-resolver.cjs')]: {}, node: { extensions: ['.js', '.ts'] } },
    },
    rules: {
      'import/no-cycle': ['error', { ignoreExternal: true }],
      'import/no-restricted-paths': ['error', { basePath: here, zones: houseZones }],
      'max-lines': ['error', { max: 400 }],
      'max-lines-per-function': ['error', { max: 60 }],
    },
  },
  // SQL only in a domain's sql.ts (infra/ runs migrations and the claim loop), SOQL only in salesforce/.
  {
    files: ['engine/src/**/*.ts'],
    ignores: ['engine/src/**/sql.ts', 'engine/src/salesforce/**', 'engine/src/infra/**', 'engine/src/api/**', 'engine/src/cli/**'],
    rules: { 'no-restricted-syntax': ['error', ...queryText] },
  },
  // api/ and cli/ translate: they hold no SQL and reach the database only through a domain's service.
  {
    files: ['engine/src/api/**/*.ts', 'engine/src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['pg', 'pg-copy-streams', 'pg-boss'].map((name) => ({ name, message: noSqlHere })),
          patterns: [{ group: ['**/infra/db.js', '**/sql.js', '**/migrations/**'], message: noSqlHere }],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: `Literal[value=${sqlText}]`, message: noSqlHere },
        { selector: `TemplateElement[value.raw=${sqlText}]`, message: noSqlHere },
        { selector: "CallExpression[callee.property.name='query'][arguments.length>0]", message: noSqlHere },
      ],
    },
  },
  // Exceptions, each with its reason.
  {
    files: ['engine/src/store/packs/csv.ts'],
    // The per-row scan of a Bulk page is the backup's hot loop, kept in one function on purpose.
    rules: { 'max-lines-per-function': 'off' },
  },
  {
    // A route file's function is its table of route declarations (path, schemas, one-line
    // handler each), not logic: its length is the resource's number of routes.
    files: ['engine/src/api/routes/*.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
  // Plain JS glue at the root and in test/support.
  {
    files: ['*.js', 'bin/**/*.js', 'test/**/*.js', 'scripts/**/*.js'],
    ...js.configs.recommended,
    languageOptions: { globals: globals.node, sourceType: 'module' },
  },
  // The local preview's browser glue (bundled with the LWC components by preview/build.ts).
  {
    files: ['preview/src/**/*.js'],
    ...js.configs.recommended,
    languageOptions: { globals: globals.browser, sourceType: 'module' },
  },
  // Lightning Web Components.
  ...lwcRecommended.map((c) => ({ ...c, files: ['force-app/**/lwc/**/*.js'] })),
  {
    files: ['force-app/**/lwc/**/__tests__/**/*.js', 'force-app/**/lwc/**/*.test.js', 'test/lwc/**/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.jest, ...globals.browser } },
    // Tests drive wire adapters' test doubles (adapter.emit), as sfdx-lwc-jest's stubs are meant to be used.
    rules: { '@lwc/lwc/no-unexpected-wire-adapter-usages': 'off' },
  },
];
