/** A valid body per operation, so tests can get past validation to the checks behind it. */
export function validBody(operationId: string, ids: { orgId: string }): unknown {
  switch (operationId) {
    case 'connectOrg':
      return { method: 'access_token', instanceUrl: 'https://fuzz.my.example.test', accessToken: '00D00000000000FAAA!token' };
    case 'beginOrgLogin':
      return { environment: 'custom', myDomainUrl: 'https://fuzz.my.salesforce.com' };
    case 'updateOrg':
      return { hidden: true };
    case 'startJob':
      return { objects: ['Account'] };
    case 'createRecoveryPoint':
      return { objects: ['Account'], at: '2026-11-20T10:00:00Z' };
    case 'putBackupSettings':
      return {
        enabled: true,
        includeFeedAndShare: false,
        excludedObjects: ['Case'],
        excludedFields: ['Account.Industry'],
        jobsPerDay: 1,
        startTime: '01:00',
      };
    case 'putCdpSettings':
      return { enabled: true, objects: ['Account'] };
    case 'putPermissionCheckSettings':
      return { enabled: true, startAt: '2026-12-01T00:00:00Z', intervalUnit: 'month', intervalCount: 1 };
    case 'restore':
      return { from: { at: '2026-11-20T10:00:00Z' }, objects: ['Account'], dryRun: true };
    case 'compare':
      return { from: { at: '2026-11-20T10:00:00Z' }, to: { live: true }, objects: ['Account'] };
    case 'putAdminEmails':
      return { emails: [] };
    case 'createKey':
      return { name: 'fuzz', orgId: ids.orgId };
    case 'ensureTenant':
      return { name: 'fuzz' };
    case 'createLegalHold':
      return { name: 'Case 42', recordIds: ['001000000000001AAA'] };
    case 'createErasure':
      return { reference: 'DSR-42', objects: ['Contact'], values: ['fuzz@example.com'] };
    case 'putRetentionPolicy':
      return { policy: { keepAllDays: 30, dailyWeeks: 4, weeklyMonths: 3, monthlyYears: 1 } };
    default:
      return undefined;
  }
}

export interface DocParameter {
  name?: string;
  in?: 'path' | 'query' | 'header';
  schema?: { type?: string; format?: string; enum?: unknown[] };
  $ref?: string;
}

export interface DocOperation {
  operationId: string;
  'x-orgvault-action': string | null;
  parameters?: DocParameter[];
  requestBody?: { required?: boolean; content?: { 'application/json'?: { schema: object } } };
}
export type Doc = { paths: Record<string, Record<string, DocOperation>> };

export async function fetchDoc(url: string): Promise<Doc> {
  return (await (await fetch(`${url}/api/v1/openapi.json`)).json()) as Doc;
}

export function operations(doc: Doc): Array<{ template: string; method: string; op: DocOperation }> {
  return Object.entries(doc.paths).flatMap(([template, ops]) => Object.entries(ops).map(([method, op]) => ({ template, method, op })));
}

export const fill = (template: string, ids: Record<string, string>): string =>
  template.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(ids[name] ?? name));

/** The connect request for an emulator org, by its refresh token. */
export const connectEmulatorOrg = (emu: { instanceUrl: string; refreshToken: string }) => ({
  method: 'refresh_token',
  loginUrl: emu.instanceUrl,
  clientId: 'orgvault-test',
  refreshToken: emu.refreshToken,
});
