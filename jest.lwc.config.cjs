// LWC suites under force-app, run by @salesforce/sfdx-lwc-jest (Babel, jsdom, lwc stubs).
// Platform mocks live in one place: test/lwc/setup.js (Apex methods, accessibility matcher).
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');
module.exports = {
  ...jestConfig,
  rootDir: __dirname,
  roots: ['<rootDir>/force-app'],
  modulePathIgnorePatterns: ['<rootDir>/.localdevserver'],
  moduleNameMapper: { '^test-lwc/(.*)$': '<rootDir>/test/lwc/$1' },
  setupFilesAfterEnv: [...(jestConfig.setupFilesAfterEnv ?? []), '<rootDir>/test/lwc/setup.js'],
};
