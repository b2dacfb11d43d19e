import type { RequestHandler } from 'express';
import { OrgVaultError } from '../errors.js';
import { HTTP_STATUS } from './errors.js';
import type { AuditService } from '../audit/index.js';
import type { WebLoginService } from './services.js';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>`;
}

/**
 * GET /oauth/callback: where Salesforce sends the admin's browser after the login. It carries no
 * API key (the browser is not the Named Credential): the state alone says who asked. Answers a
 * page a person reads, never a redirect onwards.
 */
export function oauthCallback(
  webLogin: WebLoginService | undefined,
  log: { error: (o: object, m: string) => void },
  audit: Pick<AuditService, 'record'>,
): RequestHandler {
  return async (req, res) => {
    res.set('cache-control', 'no-store').set('referrer-policy', 'no-referrer');
    try {
      if (!webLogin) throw new OrgVaultError('SERVICE_UNAVAILABLE', 'Connecting in the browser is not available in this engine');
      const { org, reconnected, requestedBy } = await webLogin.finish(req.query);
      const what = reconnected ? 'reconnected' : 'connected';
      // The login's state says who began it; the trail gets the connection as theirs.
      const entry = { tenantId: org.tenantId, orgId: org.id, actor: requestedBy ?? 'unknown', source: 'page' as const, target: org.id };
      await audit
        .record({ ...entry, action: reconnected ? 'org.reconnect' : 'org.connect', outcome: 'succeeded' })
        .catch((err: unknown) => log.error({ err }, 'audit entry could not be written'));
      res
        .status(200)
        .type('html')
        .send(
          page(
            `Organization ${what}`,
            `<h1 id="result" data-outcome="${what}">${escapeHtml(org.name)} is ${what}</h1><p>${escapeHtml(org.isSandbox ? 'Sandbox' : 'Production')} · ${escapeHtml(org.sfOrgId)}. You can close this window and go back to the Backup page.</p>`,
          ),
        );
    } catch (err) {
      const known = OrgVaultError.is(err)
        ? err
        : new OrgVaultError('INTERNAL', 'The organization could not be connected (see the engine log)');
      if (!OrgVaultError.is(err)) log.error({ err }, 'OAuth callback failed');
      const actions = known.actions.map((a) => `<li>${escapeHtml(a)}</li>`).join('');
      res
        .status(HTTP_STATUS[known.code])
        .type('html')
        .send(
          page(
            'The organization was not connected',
            `<h1 id="result" data-outcome="failed" data-code="${known.code}">The organization was not connected</h1><p id="message">${escapeHtml(known.message)}</p><ul>${actions}</ul>`,
          ),
        );
    }
  };
}
