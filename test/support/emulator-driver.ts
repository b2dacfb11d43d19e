/**
 * The org driver for an emulator in this process: changes go through the emulator's own hooks (one
 * transaction per call, as a client's collection call would be), so suites can also make changes no
 * public API offers and inject faults. Reads and files go through its REST API, as the real
 * org's driver does (test/support/org-driver.ts), so exactness is judged the same way in both.
 */
import { Connection } from 'jsforce';
import type { EmulatorHandle } from '../emulator/server.js';
import type { WriteOp } from '../emulator/data/org.js';
import { executeSoql } from '../emulator/soql/execute.js';
import { emulatorAdmin } from './emulator-org.js';
import { RestOrgDriver, type EmulatorCapabilities, type Fields } from './org-driver.js';

export class EmulatorOrgDriver extends RestOrgDriver {
  readonly emulator: EmulatorCapabilities;

  constructor(private readonly emu: EmulatorHandle) {
    super(
      `the emulator at ${emu.instanceUrl} (in-process hooks)`,
      new Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.accessToken, version: '62.0' }),
      {
        credentials: { kind: 'accessToken', instanceUrl: emu.instanceUrl, accessToken: emu.accessToken },
        instanceUrl: emu.instanceUrl,
        engineEnv: emu.ready.pubSubEndpoint
          ? { ORGVAULT_PUBSUB_ENDPOINT: String(emu.ready.pubSubEndpoint), ORGVAULT_PUBSUB_INSECURE_TLS: 'true' }
          : {},
      },
    );
    this.emulator = {
      undelete: async (ids) => void this.write(ids.map((id) => ({ kind: 'undelete', id }))),
      hardDelete: async (ids) => void this.write(ids.map((id) => ({ kind: 'hardDelete', id }))),
      admin: (route, body) => emulatorAdmin(emu, route, body),
      apiCalls: () => emu.org.limits.usage('DailyApiRequests').used,
    };
  }

  private write(ops: WriteOp[]): string[] {
    const results = this.emu.org.write(ops, { allOrNone: true });
    const failed = results.filter((r) => !r.success);
    if (failed.length) throw new Error(`emulator write: ${failed.length} failed, first: ${failed[0]!.errors.map(String).join('; ')}`);
    return results.map((r) => r.id ?? '');
  }

  override async create(sobject: string, records: Fields[]): Promise<string[]> {
    return this.write(records.map((fields) => ({ kind: 'create', sobject, fields })));
  }

  override async update(_sobject: string, records: Array<Fields & { Id: string }>): Promise<void> {
    this.write(records.map(({ Id, ...fields }) => ({ kind: 'update', id: Id, fields })));
  }

  override async delete(_sobject: string, ids: string[]): Promise<void> {
    this.write(ids.map((id) => ({ kind: 'delete', id })));
  }

  /** Counted in process: does not spend the org's API requests a test may be measuring. */
  override async count(sobject: string): Promise<number> {
    return executeSoql(this.emu.org, `SELECT Id FROM ${sobject}`).totalSize;
  }
}
