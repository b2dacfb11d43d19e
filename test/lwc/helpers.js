// Shared helpers for the LWC suites.
import { createElement } from 'lwc';

/** Resolves once LWC has re-rendered and pending promises (Apex mocks) have settled. */
export function flushPromises() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Creates and attaches a component with its public properties set. */
export function mount(tag, Ctor, props = {}) {
  const element = createElement(tag, { is: Ctor });
  Object.assign(element, props);
  document.body.appendChild(element);
  return element;
}

/** An Apex failure as the controller throws it: AuraHandledException carrying the engine error. */
export function apexError(code, message, actions = [], status = 409) {
  return { status: 500, body: { message: JSON.stringify({ code, status, message, actions }) } };
}

/** A tile's organization, with what a test needs overriding the defaults. */
export function org(overrides = {}) {
  return {
    id: 'org-1',
    name: 'Acme Production',
    sfOrgId: '00D000000000001AAA',
    instanceUrl: 'https://acme.my.salesforce.com',
    isSandbox: false,
    hidden: false,
    lastJob: { id: 'job-1', status: 'succeeded', startedAt: '2026-11-25T00:00:00.000Z', finishedAt: '2026-11-25T00:10:00.000Z' },
    nextBackupAt: '2026-11-27T00:00:00.000Z',
    cdpEnabled: true,
    currentJob: null,
    ...overrides,
  };
}

/** A part of a panel's dialog shell: its buttons (.primary, .cancel) and its error panel. */
export function dialogPart(element, selector) {
  return element.shadowRoot.querySelector('c-org-vault-dialog').shadowRoot.querySelector(selector);
}
