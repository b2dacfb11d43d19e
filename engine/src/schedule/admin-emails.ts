import { z } from 'zod';
import type { Pool } from '../infra/db.js';
import { withTransaction } from '../infra/db.js';
import { parseBody } from './validation.js';
import { ADD_ADMIN_EMAILS, CLEAR_ADMIN_EMAILS, LIST_ADMIN_EMAILS } from './sql.js';

const emailsInput = z.array(z.email().max(254)).max(100);

/** The tenant's administrators' addresses: they receive permission-check reports. */
export class AdminEmails {
  constructor(private readonly pool: Pool) {}

  async list(tenantId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ email: string }>(LIST_ADMIN_EMAILS, [tenantId]);
    return rows.map((r) => r.email);
  }

  /** Replaces the list. */
  async put(tenantId: string, input: unknown): Promise<string[]> {
    const emails = [...new Set(parseBody(emailsInput, input).map((e) => e.toLowerCase()))];
    await withTransaction(this.pool, async (client) => {
      await client.query(CLEAR_ADMIN_EMAILS, [tenantId]);
      if (emails.length > 0) {
        await client.query(ADD_ADMIN_EMAILS, [tenantId, emails]);
      }
    });
    return this.list(tenantId);
  }
}
