import { createRequire } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const require = createRequire(import.meta.url);
// @salesforce/eslint-config-lwc ships flat configs as CommonJS.
const lwcRecommended = require('@salesforce/eslint-config-lwc/recommended');

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
  },
];
