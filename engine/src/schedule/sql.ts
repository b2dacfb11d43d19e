/**
 * Every statement on the tables schedule/ owns (see migrations/): backup settings and the
 * decisions on scheduled starts, subscriptions, the tenant's administrators' addresses,
 * permission-check settings and reports. Orgs are read through orgs/.
 */

/** The latest decisions on scheduled starts, newest first. */
export const RECENT_BACKUP_SLOTS = `SELECT org_id AS "orgId", slot_at AS "slotAt", decided_at AS "decidedAt", outcome, reason_code AS "reasonCode", reason, job_id AS "jobId"
  FROM backup_slots WHERE org_id = $1 ORDER BY slot_at DESC LIMIT $2`;

/** Records the decision on a start; a slot already decided is taken over only from a claim gone stale ($7) that made no job. */
export const DECIDE_BACKUP_SLOT = `INSERT INTO backup_slots (org_id, slot_at, decided_at, outcome, reason_code, reason) VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (org_id, slot_at) DO UPDATE SET decided_at = EXCLUDED.decided_at, outcome = EXCLUDED.outcome,
    reason_code = EXCLUDED.reason_code, reason = EXCLUDED.reason
  WHERE backup_slots.outcome = 'claimed' AND backup_slots.job_id IS NULL AND backup_slots.decided_at < $7`;

export const SETTLE_BACKUP_SLOT =
  'UPDATE backup_slots SET outcome = $3, reason_code = $4, reason = $5, job_id = $6 WHERE org_id = $1 AND slot_at = $2';

export const LIST_ADMIN_EMAILS = 'SELECT email FROM tenant_admin_emails WHERE tenant_id = $1 ORDER BY email';

export const CLEAR_ADMIN_EMAILS = 'DELETE FROM tenant_admin_emails WHERE tenant_id = $1';

export const ADD_ADMIN_EMAILS = 'INSERT INTO tenant_admin_emails (tenant_id, email) SELECT $1, unnest($2::text[])';

export const LIST_SUBSCRIPTION_TYPES =
  'SELECT code, name, daily_job_limit AS "dailyJobLimit" FROM subscription_types ORDER BY daily_job_limit, code';

/** A tenant's subscription; one without a row has the default type ($2), and says so (subscribed false). */
export const GET_SUBSCRIPTION = `SELECT x.tenant_id AS "tenantId", t.code AS type, t.name AS "typeName", t.daily_job_limit AS "dailyJobLimit",
       s.expires_at AS "expiresAt", s.seats, s.tenant_id IS NOT NULL AS subscribed
  FROM (SELECT $1::uuid AS tenant_id) x
  LEFT JOIN subscriptions s ON s.tenant_id = x.tenant_id
  JOIN subscription_types t ON t.code = COALESCE(s.type, $2)`;

export const PUT_SUBSCRIPTION = `INSERT INTO subscriptions (tenant_id, type, expires_at, seats) VALUES ($1, $2, $3, $4)
  ON CONFLICT (tenant_id) DO UPDATE SET type = $2, expires_at = $3, seats = $4, updated_at = now()`;

export const GET_BACKUP_SETTINGS = `SELECT org_id AS "orgId", enabled, include_feed_and_share AS "includeFeedAndShare",
  excluded_objects AS "excludedObjects", excluded_fields AS "excludedFields", jobs_per_day AS "jobsPerDay",
  start_time AS "startTime" FROM backup_settings WHERE org_id = $1`;

export const PUT_BACKUP_SETTINGS = `INSERT INTO backup_settings (org_id, enabled, include_feed_and_share, excluded_objects, excluded_fields, jobs_per_day, start_time)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (org_id) DO UPDATE SET enabled = $2, include_feed_and_share = $3, excluded_objects = $4,
    excluded_fields = $5, jobs_per_day = $6, start_time = $7, updated_at = now()`;

const REPORT_COLUMNS = `id, org_id AS "orgId", trigger, slot_at AS "slotAt", started_at AS "startedAt", finished_at AS "finishedAt",
  status, error, report, mail_status AS "mailStatus", mail_error AS "mailError"`;

export const PUT_PERMISSION_CHECK_SETTINGS = `INSERT INTO permission_check_settings (org_id, enabled, start_at, every) VALUES ($1, $2, $3, $4)
  ON CONFLICT (org_id) DO UPDATE SET enabled = $2, start_at = $3, every = $4, updated_at = now()`;

/** The newest report whose status is one of $2. */
export const LATEST_PERMISSION_REPORT = `SELECT ${REPORT_COLUMNS} FROM permission_reports WHERE org_id = $1 AND status = ANY($2) ORDER BY started_at DESC LIMIT 1`;

export const GET_PERMISSION_REPORT = `SELECT ${REPORT_COLUMNS} FROM permission_reports WHERE org_id = $1 AND id::text = $2`;

/** The unique (org_id, slot_at) row is the claim on a scheduled check. */
export const CLAIM_PERMISSION_REPORT = `INSERT INTO permission_reports (org_id, id, trigger, slot_at, started_at, status) VALUES ($1, $2, $3, $4, $5, 'running')
  ON CONFLICT (org_id, slot_at) DO NOTHING`;

export const FAIL_PERMISSION_REPORT = `UPDATE permission_reports SET status = 'failed', error = $3, finished_at = $4 WHERE org_id = $1 AND id = $2`;

export const FINISH_PERMISSION_REPORT = `UPDATE permission_reports SET status = 'succeeded', report = $3, finished_at = $4 WHERE org_id = $1 AND id = $2`;

export const SET_PERMISSION_REPORT_MAIL = 'UPDATE permission_reports SET mail_status = $3, mail_error = $4 WHERE org_id = $1 AND id = $2';

export const GET_PERMISSION_CHECK_SETTINGS =
  'SELECT org_id AS "orgId", enabled, start_at AS "startAt", every FROM permission_check_settings WHERE org_id = $1';
