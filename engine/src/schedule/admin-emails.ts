import { z } from 'zod';
import type { Pool } from '../infra/db.js';
import { withTransaction } from '../infra/db.js';
import { parseBody } from './validation.js';

const emailsInput = z.array(z.email().max(254)).max(100);

/** The tenant's administrators' addresses: they receive permission-check reports. */
export class AdminEmails {
  constructor(private readonly pool: Pool) {}

  async list(tenantId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ email: string }>('SELECT email FROM tenant_admin_emails WHERE tenant_id = $1 ORDER BY email', [
      tenantId,
    ]);
    return rows.map((r) => r.email);
  }

  /** Replaces the list. */
  async put(tenantId: string, input: unknown): Promise<string[]> {
    const emails = [...new Set(parseBody(emailsInput, input).map((e) => e.toLowerCase()))];
    await withTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM tenant_admin_emails WHERE tenant_id = $1', [tenantId]);
      if (emails.length > 0) {
        await client.query('INSERT INTO tenant_admin_emails (tenant_id, email) SELECT $1, unnest($2::text[])', [tenantId, emails]);
      }
    });
    return this.list(tenantId);
  }
}
