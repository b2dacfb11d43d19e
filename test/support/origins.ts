import { OrgOrigins } from '../../engine/src/salesforce/origins.js';

/**
 * The org emulator listens on the loopback address at a port chosen when it starts: tests allow
 * that origin besides Salesforce's domains, as an operator would with ORGVAULT_SALESFORCE_ORIGINS.
 */
export const EMULATOR_ORIGINS_SETTING = 'http://127.0.0.1:*';
export const EMULATOR_ORIGINS = new OrgOrigins([EMULATOR_ORIGINS_SETTING]);
