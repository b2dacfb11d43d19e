/**
 * What an end-to-end suite needs from "the org", behind one interface with two implementations:
 * the emulator's (its in-process hooks, test/support/emulator-driver.ts) and a real org's, here,
 * which changes and reads the org only through its REST API (jsforce), as any client would. The
 * real-org driver runs against an org the sf CLI is logged in to (TEST_SF_ORG) or, in CI, against
 * an emulator reached the same way (test/support/org-target.ts), so its code path is exercised
 * where no Salesforce can be reached.
 */
import type { Connection } from 'jsforce';
import type { OrgCredentials } from '../../engine/src/salesforce/credentials.js';
import { orgStateNow, type OrgState } from './backup-checks.js';

export type Fields = Record<string, unknown>;

/** How the engine is to reach the org, and the engine settings that org needs (e.g. its Pub/Sub endpoint). */
export interface OrgConnectionInfo {
  credentials: OrgCredentials;
  instanceUrl: string;
  engineEnv: Record<string, string>;
}

/** Changes only the emulator can make or observe: absent from a real org's driver. */
export interface EmulatorCapabilities {
  /** Record operations no public API offers to a test (undelete outside Apex, hard delete without the Bulk permission). */
  undelete(ids: string[]): Promise<void>;
  hardDelete(ids: string[]): Promise<void>;
  /** The emulator's admin endpoint: faults, limits, CDC gaps and overflows. */
  admin(route: string, body: unknown): Promise<void>;
  /** Authenticated API requests the org has counted so far (its DailyApiRequests use). */
  apiCalls(): number;
}

export interface OrgDriver {
  /** Said in test names and skip reasons: which org this is and how it is reached. */
  readonly description: string;
  readonly connection: OrgConnectionInfo;
  /** A client session of the org's own, for reads a test compares against. */
  readonly api: Connection;
  /** Present only where the org is the emulator in this process. */
  readonly emulator?: EmulatorCapabilities;
  create(sobject: string, records: Fields[]): Promise<string[]>;
  update(sobject: string, records: Array<Fields & { Id: string }>): Promise<void>;
  delete(sobject: string, ids: string[]): Promise<void>;
  query<T extends object>(soql: string): Promise<T[]>;
  count(sobject: string): Promise<number>;
  /** Every live record of each object as the org answers now, canonical text per field (exactness checks). */
  state(objects: string[]): Promise<OrgState>;
  /** A file (ContentVersion) published on a record; its version and document ids. */
  uploadFile(file: { title: string; bytes: Buffer; on: string }): Promise<{ versionId: string; documentId: string }>;
  /** A file version's bytes as the org serves them. */
  fileBytes(versionId: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** sObject Collections take 200 records a call. */
const COLLECTION = 200;

type SaveResult = { id?: string | null; success: boolean; errors?: unknown[] };

function check(results: SaveResult | SaveResult[], what: string): string[] {
  const list = Array.isArray(results) ? results : [results];
  const failed = list.filter((r) => !r.success);
  if (failed.length) throw new Error(`${what}: ${failed.length} failed, first: ${JSON.stringify(failed[0]!.errors)}`);
  return list.map((r) => r.id ?? '');
}

/** Reads and writes through the org's REST API only. */
export class RestOrgDriver implements OrgDriver {
  constructor(
    readonly description: string,
    readonly api: Connection,
    readonly connection: OrgConnectionInfo,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  async create(sobject: string, records: Fields[]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < records.length; i += COLLECTION) {
      const chunk = records.slice(i, i + COLLECTION);
      ids.push(...check(await this.api.sobject(sobject).create(chunk, { allOrNone: true }), `create ${sobject}`));
    }
    return ids;
  }

  async update(sobject: string, records: Array<Fields & { Id: string }>): Promise<void> {
    for (let i = 0; i < records.length; i += COLLECTION)
      check(await this.api.sobject(sobject).update(records.slice(i, i + COLLECTION), { allOrNone: true }), `update ${sobject}`);
  }

  async delete(sobject: string, ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += COLLECTION)
      check(await this.api.sobject(sobject).destroy(ids.slice(i, i + COLLECTION), { allOrNone: true }), `delete ${sobject}`);
  }

  async query<T extends object>(soql: string): Promise<T[]> {
    return (await this.api.query<T>(soql).run({ autoFetch: true, maxFetch: 1_000_000 })).records;
  }

  async count(sobject: string): Promise<number> {
    return (await this.api.query(`SELECT COUNT() FROM ${sobject}`)).totalSize;
  }

  state(objects: string[]): Promise<OrgState> {
    return orgStateNow(this.api, objects);
  }

  async uploadFile(file: { title: string; bytes: Buffer; on: string }): Promise<{ versionId: string; documentId: string }> {
    const [versionId] = check(
      await this.api.sobject('ContentVersion').create({
        Title: file.title,
        PathOnClient: `${file.title}.bin`,
        VersionData: file.bytes.toString('base64'),
        FirstPublishLocationId: file.on,
      }),
      'upload a file',
    );
    const [v] = await this.query<{ ContentDocumentId: string }>(`SELECT ContentDocumentId FROM ContentVersion WHERE Id = '${versionId}'`);
    return { versionId: versionId!, documentId: v!.ContentDocumentId };
  }

  async fileBytes(versionId: string): Promise<Buffer> {
    const url = `${this.api.instanceUrl}/services/data/v${this.api.version}/sobjects/ContentVersion/${versionId}/VersionData`;
    const res = await fetch(url, { headers: { Authorization: `Bearer ${this.api.accessToken}` } });
    if (!res.ok) throw new Error(`VersionData of ${versionId}: ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }

  close(): Promise<void> {
    return this.onClose();
  }

  /**
   * An org the sf CLI is logged in to, by alias or username: @salesforce/core holds its secrets
   * and renews its session, for this driver and for the engine (which connects it the same way).
   */
  static async fromSfCli(alias: string, engineEnv: Record<string, string> = {}): Promise<RestOrgDriver> {
    // Loaded only here: suites that never borrow a CLI org do not pay for @salesforce/core.
    const { Org } = await import('@salesforce/core');
    const org = await Org.create({ aliasOrUsername: alias });
    await org.refreshAuth();
    const api = org.getConnection() as unknown as Connection;
    const instanceUrl = api.instanceUrl.replace(/\/+$/, '');
    return new RestOrgDriver(`the org "${alias}" (${instanceUrl}) through its REST API`, api, {
      credentials: { kind: 'sfCli', usernameOrAlias: alias },
      instanceUrl,
      engineEnv,
    });
  }
}
