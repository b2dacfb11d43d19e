/**
 * The one SOAP call OrgVault makes: the partner API's `undelete`, which REST does not offer. It
 * brings records back from the org's Recycle Bin with their own ids, and with them the records
 * deleted with them (cascades) and the lookups their delete cleared. Up to 200 ids a call; one
 * result per id, in order, like sObject collections. Sent through OrgHttp, so it is counted and
 * budgeted like every other call.
 */
import { XMLParser } from 'fast-xml-parser';
import { OrgVaultError } from '../errors.js';
import type { OrgConnection } from './connection.js';
import type { SaveResult } from './collections.js';

/** The partner API takes at most 200 ids per undelete call. */
export const UNDELETE_SIZE = 200;

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'result' || name === 'errors' || name === 'fields',
});

const escapeXml = (s: string): string => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function envelope(sessionId: string, ids: readonly string[]): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com">' +
    `<soapenv:Header><urn:SessionHeader><urn:sessionId>${escapeXml(sessionId)}</urn:sessionId></urn:SessionHeader></soapenv:Header>` +
    `<soapenv:Body><urn:undelete>${ids.map((id) => `<urn:ids>${escapeXml(id)}</urn:ids>`).join('')}</urn:undelete></soapenv:Body>` +
    '</soapenv:Envelope>'
  );
}

interface SoapError {
  statusCode?: string;
  message?: string;
  fields?: string[];
}

interface SoapResult {
  id?: string;
  success?: string;
  errors?: SoapError[];
}

async function send(conn: OrgConnection, ids: readonly string[], sessionId: string): Promise<string> {
  const res = await conn.http.once({
    method: 'POST',
    path: `/services/Soap/u/${conn.apiVersion}`,
    headers: { 'Content-Type': 'text/xml; charset=UTF-8', SOAPAction: '""' },
    body: envelope(sessionId, ids),
    what: `undelete ${ids.length} records`,
  });
  return res.text();
}

/**
 * Undeletes these records (at most UNDELETE_SIZE): one result per id, Salesforce's refusal per
 * record as errors. A fault for the whole call is thrown (an expired session is renewed once).
 * Not retried: its outcome would be unknown, and a second undelete of a record is refused anyway.
 */
export async function undeleteRecords(conn: OrgConnection, ids: readonly string[]): Promise<SaveResult[]> {
  if (ids.length > UNDELETE_SIZE) throw new OrgVaultError('VALIDATION_FAILED', `undelete takes at most ${UNDELETE_SIZE} ids a call`);
  let session = await conn.tokens.session();
  let text: string;
  try {
    text = await send(conn, ids, session.accessToken);
  } catch (err) {
    // A SOAP fault comes with status 500 (org-errors reads its code): an expired session is not a 401 here.
    if (!conn.tokens.canRefresh || !OrgVaultError.is(err, 'ORG_AUTH_FAILED') || err.details?.errorCode !== 'INVALID_SESSION_ID') throw err;
    session = await conn.tokens.refresh(session.accessToken);
    text = await send(conn, ids, session.accessToken);
  }
  const body = (parser.parse(text) as { Envelope?: { Body?: Record<string, unknown> } }).Envelope?.Body;
  const results = ((body?.undeleteResponse as { result?: SoapResult[] } | undefined)?.result ?? []).map((r): SaveResult => ({
    id: r.id ? String(r.id) : null,
    success: String(r.success) === 'true',
    errors: (r.errors ?? []).map((e) => ({
      statusCode: String(e.statusCode ?? ''),
      message: String(e.message ?? ''),
      fields: e.fields ?? [],
    })),
  }));
  if (results.length !== ids.length)
    throw new OrgVaultError('ORG_API_ERROR', `undelete: ${results.length} results for ${ids.length} ids`, {
      details: { errorCode: 'BAD_ANSWER' },
    });
  return results;
}
