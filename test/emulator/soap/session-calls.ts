/**
 * login, logout, getUserInfo, getServerTimestamp. Every active emulator user logs in with the
 * emulator's password (option `password`, default DEFAULT_PASSWORD); the session id is an
 * access token like any other, so the REST API takes it too (jsforce's SOAP login relies on that).
 */
import { SfError } from '../errors.js';
import type { Org } from '../data/org.js';
import { isoDateTime } from '../data/values.js';
import { textOf, xmlValue } from './envelope.js';
import type { SoapCall, SoapContext } from './context.js';

export const DEFAULT_PASSWORD = 'emulator';
/** Salesforce's default session timeout (two hours), which getUserInfo reports. */
const SESSION_SECONDS = 7200;

const invalidLogin = () => new SfError('INVALID_LOGIN', 'Invalid username, password, security token; or user locked out.', 500);

function orgField(org: Org, name: string): unknown {
  const orgs = org.table('Organization');
  return orgs.size ? orgs.get(0, name) : null;
}

/** GetUserInfoResult, in the WSDL's element order. */
export function userInfo(org: Org, userId: string): Record<string, unknown> {
  const users = org.table('User');
  const row = users.rowOf(userId);
  const get = (name: string) => users.get(row, name);
  return {
    accessibilityMode: false,
    chatterExternal: false,
    currencySymbol: '$',
    orgAttachmentFileSizeLimit: 5242880,
    orgDefaultCurrencyIsoCode: 'USD',
    orgDefaultCurrencyLocale: 'en_US',
    orgDisallowHtmlAttachments: false,
    orgHasPersonAccounts: false,
    organizationId: org.orgId,
    organizationMultiCurrency: false,
    organizationName: orgField(org, 'Name'),
    profileId: get('ProfileId'),
    roleId: null,
    sessionSecondsValid: SESSION_SECONDS,
    userDefaultCurrencyIsoCode: null,
    userEmail: get('Email'),
    userFullName: get('Name'),
    userId,
    userLanguage: get('LanguageLocaleKey'),
    userLocale: get('LocaleSidKey'),
    userName: get('Username'),
    userTimeZone: get('TimeZoneSidKey'),
    userType: get('UserType') ?? 'Standard',
    userUiSkin: 'Theme3',
  };
}

const login: SoapCall = (op, ctx) => {
  const { org } = ctx;
  const username = textOf(op, 'username') ?? '';
  const password = textOf(op, 'password') ?? '';
  const users = org.table('User');
  const row = org.findByUnique(users, users.field('Username')!, username);
  if (row < 0 || users.get(row, 'IsActive') !== true || password !== (ctx.options.password ?? DEFAULT_PASSWORD)) throw invalidLogin();
  const userId = users.idOf(row);
  const org15 = org.orgId.slice(0, 15);
  const base = ctx.instanceUrl;
  return xmlValue('result', {
    metadataServerUrl: `${base}/services/Soap/m/${ctx.version}/${org15}`,
    passwordExpired: false,
    sandbox: orgField(org, 'IsSandbox') === true,
    serverUrl: `${base}/services/Soap/u/${ctx.version}/${org15}`,
    sessionId: org.sessions.issueAccessToken(userId),
    userId,
    userInfo: userInfo(org, userId),
  });
};

/** logout ends the session the call came with. */
const logout: SoapCall = (_op, ctx) => {
  ctx.org.sessions.revoke(ctx.sessionId);
  return '';
};

export const sessionCalls: Record<string, SoapCall> = {
  login,
  logout,
  getUserInfo: (_op, ctx: SoapContext) => xmlValue('result', userInfo(ctx.org, ctx.userId)),
  getServerTimestamp: (_op, ctx) => xmlValue('result', { timestamp: isoDateTime(ctx.org.now()) }),
};
