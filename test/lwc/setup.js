// The LWC suites' platform mocks, in one place: every OrgVaultController method is a jest.fn that
// tests program with mockResolvedValue / mockRejectedValue, and @sa11y/jest adds toBeAccessible().
import { setup } from '@sa11y/jest';
// The controller's @AuraEnabled methods; test/force-app/apex-parse.test.ts checks the list against the class.
import APEX_METHODS from './apex-methods.json';

setup();

for (const method of APEX_METHODS) {
  jest.mock(`@salesforce/apex/OrgVaultController.${method}`, () => ({ default: jest.fn() }), { virtual: true });
}

afterEach(() => {
  while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
  jest.clearAllMocks();
});
