import type { Logger } from '../infra/logger.js';
import type { Org } from '../orgs/registry.js';
import type { AdminEmails } from './admin-emails.js';
import type { Mailer } from './permission-check/mail.js';

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The one mail administrators get when Salesforce revokes an org's access: backups and continuous
 * protection wait until someone reconnects it. Without SMTP (or administrators) it is only logged.
 */
export function reconnectNeededMail(admins: AdminEmails, mailer: Mailer | null, log: Logger): (org: Org) => Promise<void> {
  return async (org) => {
    log.warn({ orgId: org.id, reason: org.reconnectReason }, 'organization needs a reconnect: backups and continuous protection paused');
    const to = await admins.list(org.tenantId);
    if (!mailer || to.length === 0) return;
    const text = [
      `Salesforce no longer accepts OrgVault's access to ${org.name} (${org.sfOrgId}): ${org.reconnectReason ?? 'the refresh token was refused'}.`,
      '',
      'Scheduled backups are skipped and continuous protection is paused until the organization is reconnected.',
      'On the OrgVault Backup page, open the menu of the organization and choose Reconnect, then log in to Salesforce.',
      'Changes made meanwhile are picked up after the reconnect.',
    ].join('\n');
    const html = `<p>Salesforce no longer accepts OrgVault's access to <b>${escape(org.name)}</b> (${escape(org.sfOrgId)}).</p>
<p>Scheduled backups are skipped and continuous protection is paused until the organization is reconnected: on the OrgVault Backup page, open the organization's menu, choose <b>Reconnect</b> and log in to Salesforce.</p>`;
    try {
      await mailer.send({ to, subject: `OrgVault: reconnect ${org.name} — backups are paused`, text, html });
    } catch (err) {
      log.error({ err, orgId: org.id }, 'the reconnect mail could not be sent');
    }
  };
}
