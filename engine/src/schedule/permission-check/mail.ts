import nodemailer from 'nodemailer';
import type { PermissionReport } from './report.js';

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** SMTP through nodemailer; null when no SMTP URL is configured (reports are then only stored). */
export function createSmtpMailer(smtpUrl: string | undefined, from: string): Mailer | null {
  if (!smtpUrl) return null;
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    send: async (m) => {
      await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, html: m.html });
    },
  };
}

export function renderReportMail(orgName: string, report: PermissionReport): Omit<MailMessage, 'to'> {
  const s = report.summary;
  const missing = report.userPermissions.filter((p) => !p.granted);
  const objects = report.objectPermissions.filter((o) => o.status === 'unprotected');
  const fields = report.fieldPermissions.filter((f) => f.status === 'unprotected');
  const clean = s.unprotectedObjects + s.unprotectedFields + s.missingUserPermissions === 0;
  const subject = clean
    ? `OrgVault permission check for ${orgName}: everything is protected`
    : `OrgVault permission check for ${orgName}: ${s.unprotectedObjects} objects and ${s.unprotectedFields} fields unprotected, ${s.missingUserPermissions} permissions missing`;

  const userLine = (p: (typeof report.userPermissions)[number]): string =>
    `${p.granted ? 'granted' : 'MISSING'}  ${p.label} (${p.permission}) — ${p.usedFor} Needed for: ${p.neededFor.join(', ')}.`;
  const text = [
    `Permission check of the integration user ${report.user.username} in ${orgName}, ${report.checkedAt}.`,
    '',
    `Objects: ${s.objects} checked, ${s.unprotectedObjects} unprotected. Fields: ${s.fields} checked, ${s.unprotectedFields} unprotected.`,
    '',
    'User permissions:',
    ...report.userPermissions.map((p) => `  ${userLine(p)}`),
    '',
    `Unprotected objects (no Read) — not backed up:`,
    ...(objects.length ? objects.map((o) => `  ${o.object}`) : ['  none']),
    '',
    `Unprotected fields (no Read) — not backed up:`,
    ...(fields.length ? fields.map((f) => `  ${f.field} on ${f.object}`) : ['  none']),
    '',
    'Grant Read on these to the integration user (permission set) so the next backup protects them.',
  ].join('\n');

  const rows = (cells: string[][]): string => cells.map((r) => `<tr>${r.map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`).join('');
  const html = [
    `<h2>OrgVault permission check — ${escape(orgName)}</h2>`,
    `<p>Integration user ${escape(report.user.username)}, checked ${escape(report.checkedAt)}.</p>`,
    `<p>Objects: ${s.objects} checked, <b>${s.unprotectedObjects} unprotected</b>. Fields: ${s.fields} checked, <b>${s.unprotectedFields} unprotected</b>. User permissions missing: <b>${missing.length}</b>.</p>`,
    '<h3>User permissions</h3><table border="1" cellpadding="4"><tr><th>Permission</th><th>Granted</th><th>Needed for</th><th>Used for</th></tr>',
    rows(
      report.userPermissions.map((p) => [
        `${p.label} (${p.permission})`,
        p.granted ? 'granted' : 'MISSING',
        p.neededFor.join(', '),
        p.usedFor,
      ]),
    ),
    '</table>',
    '<h3>Unprotected objects (no Read)</h3>',
    objects.length
      ? `<table border="1" cellpadding="4"><tr><th>Object</th></tr>${rows(objects.map((o) => [o.object]))}</table>`
      : '<p>None.</p>',
    '<h3>Unprotected fields (no Read)</h3>',
    fields.length
      ? `<table border="1" cellpadding="4"><tr><th>Field</th><th>Object</th></tr>${rows(fields.map((f) => [f.field, f.object]))}</table>`
      : '<p>None.</p>',
  ].join('\n');
  return { subject, text, html };
}

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
