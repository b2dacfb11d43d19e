// Engine, emulator and end-to-end suites: TypeScript ES modules compiled by SWC, run as native
// ESM (node --experimental-vm-modules). The LWC suites have their own config (jest.lwc.config.cjs).
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};
export default {
  projects: [
    { ...common, displayName: 'engine', testMatch: ['<rootDir>/engine/test/**/*.test.ts'] },
    { ...common, displayName: 'emulator', testMatch: ['<rootDir>/test/emulator/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    { ...common, displayName: 'force-app', testMatch: ['<rootDir>/test/force-app/**/*.test.ts'] },
    { ...common, displayName: 'lint', testMatch: ['<rootDir>/test/lint/**/*.test.ts'] },
  ],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 120000,
};
