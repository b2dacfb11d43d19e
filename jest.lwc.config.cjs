// LWC suites under force-app, run by @salesforce/sfdx-lwc-jest (Babel, jsdom, lwc stubs).
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');
module.exports = {
  ...jestConfig,
  rootDir: __dirname,
  roots: ['<rootDir>/force-app'],
  modulePathIgnorePatterns: ['<rootDir>/.localdevserver'],
};
