import PgBossClass from 'pg-boss';
import type { Logger } from '../infra/logger.js';

export type PgBoss = PgBossClass;

/** pg-boss keeps its tables in a schema of its own beside OrgVault's. */
export function bossSchemaFor(schema: string): string {
  return `${schema}_boss`;
}

/** Starts a pg-boss instance (creating or migrating its schema under pg-boss's own lock). */
export async function startBoss(databaseUrl: string, schema: string, log: Logger): Promise<PgBoss> {
  const boss = new PgBossClass({
    connectionString: databaseUrl,
    schema: bossSchemaFor(schema),
    max: 4,
    application_name: 'orgvault-schedule',
  });
  boss.on('error', (err: Error) => log.error({ err }, 'job queue error'));
  await boss.start();
  return boss;
}

/**
 * Stops at once rather than waiting for active jobs, so Ctrl-C ends within seconds. A job cut
 * short is failed and retried by pg-boss, and the start's claim row keeps the retry from running
 * it twice.
 */
export async function stopBoss(boss: PgBoss): Promise<void> {
  await boss.stop({ graceful: false, wait: true });
}
