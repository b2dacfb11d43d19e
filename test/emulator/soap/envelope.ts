/**
 * SOAP 1.1 envelopes of the partner API: reading a request (its headers and the one operation
 * in its body) and writing answers and faults the way Salesforce does (HTTP 500 with a
 * soapenv:Fault whose faultcode is `sf:<ExceptionCode>` and whose detail names the fault type).
 */
import { SfError } from '../errors.js';
import { child, escapeXml, isNil, parseXml, XmlError, type XmlElement } from './xml.js';

export const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
export const PARTNER_NS = 'urn:partner.soap.sforce.com';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** A fault about the message itself (soapenv:Client), not about what it asked for. */
export class ClientFault extends Error {}

export interface SoapRequest {
  /** Header elements by local name (SessionHeader, QueryOptions, AllOrNoneHeader, ...). */
  headers: Map<string, XmlElement>;
  op: XmlElement;
}

export function readEnvelope(body: string): SoapRequest {
  if (!body.trim()) throw new ClientFault('Premature end of file.');
  let root: XmlElement;
  try {
    root = parseXml(body);
  } catch (err) {
    if (err instanceof XmlError) throw new ClientFault(err.message);
    throw err;
  }
  if (root.name !== 'Envelope' || root.ns !== SOAP_ENV) throw new ClientFault(`Unexpected element {${root.ns}}${root.name}`);
  const header = child(root, 'Header');
  const soapBody = child(root, 'Body');
  if (!soapBody || soapBody.ns !== SOAP_ENV) throw new ClientFault('Envelope has no Body');
  const op = soapBody.children[0];
  if (!op) throw new ClientFault('Body has no operation');
  return { headers: new Map((header?.children ?? []).map((h) => [h.name, h])), op };
}

/** Text of a child element (undefined when absent, null when xsi:nil). */
export function textOf(el: XmlElement, name: string): string | null | undefined {
  const c = child(el, name);
  if (!c) return undefined;
  return isNil(c) ? null : c.text;
}

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"' +
  ` xmlns="${PARTNER_NS}" xmlns:xsi="${XSI}" xmlns:sf="urn:sobject.partner.soap.sforce.com">`;

/** A response envelope: `<{op}Response>` holding `inner`, after the LimitInfoHeader when given. */
export function responseEnvelope(op: string, inner: string, apiUsage?: { used: number; max: number }): string {
  const header = apiUsage
    ? `<soapenv:Header><LimitInfoHeader><limitInfo><current>${apiUsage.used}</current><limit>${apiUsage.max}</limit>` +
      '<type>API REQUESTS</type></limitInfo></LimitInfoHeader></soapenv:Header>'
    : '';
  return `${ENVELOPE_OPEN}${header}<soapenv:Body><${op}Response>${inner}</${op}Response></soapenv:Body></soapenv:Envelope>`;
}

/** The ApiFault subtype a Salesforce exception code is thrown as. */
function faultType(code: string): string {
  if (code === 'INVALID_LOGIN' || code === 'LOGIN_MUST_USE_SECURITY_TOKEN') return 'LoginFault';
  if (code === 'INVALID_TYPE') return 'InvalidSObjectFault';
  if (code === 'INVALID_FIELD') return 'InvalidFieldFault';
  if (code === 'MALFORMED_QUERY' || code === 'INVALID_QUERY_FILTER_OPERATOR') return 'MalformedQueryFault';
  if (code === 'INVALID_QUERY_LOCATOR') return 'InvalidQueryLocatorFault';
  if (code === 'MALFORMED_ID' || code === 'INVALID_ID_FIELD') return 'InvalidIdFault';
  return 'UnexpectedErrorFault';
}

export function faultEnvelope(err: SfError | ClientFault): string {
  const open =
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"' +
    ` xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="${XSI}"><soapenv:Body><soapenv:Fault>`;
  const close = '</soapenv:Fault></soapenv:Body></soapenv:Envelope>';
  if (err instanceof ClientFault)
    return `${open}<faultcode>soapenv:Client</faultcode><faultstring>${escapeXml(err.message)}</faultstring>${close}`;
  const type = faultType(err.errorCode);
  const message = escapeXml(err.message);
  return (
    `${open}<faultcode>sf:${err.errorCode}</faultcode><faultstring>${err.errorCode}: ${message}</faultstring>` +
    `<detail><sf:${type} xsi:type="sf:${type}"><sf:exceptionCode>${err.errorCode}</sf:exceptionCode>` +
    `<sf:exceptionMessage>${message}</sf:exceptionMessage></sf:${type}></detail>${close}`
  );
}

/** `<name>value</name>`, `<name xsi:nil="true"/>` for null; arrays repeat the element; objects nest. */
export function xmlValue(name: string, value: unknown): string {
  if (value === null || value === undefined) return `<${name} xsi:nil="true"/>`;
  if (Array.isArray(value)) return value.map((v) => xmlValue(name, v)).join('');
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => xmlValue(k, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A call's per-record result (SaveResult, UpsertResult, DeleteResult, UndeleteResult, ...). */
export function resultXml(r: { id: string | null; success: boolean; created?: boolean; errors: SfError[] }, withCreated = false): string {
  const errors = r.errors
    .map(
      (e) =>
        `<errors>${e.fields.map((f) => xmlValue('fields', f)).join('')}${xmlValue('message', e.message)}` +
        `${xmlValue('statusCode', e.errorCode)}</errors>`,
    )
    .join('');
  const created = withCreated ? xmlValue('created', r.success ? !!r.created : false) : '';
  return `<result>${created}${errors}${xmlValue('id', r.id)}${xmlValue('success', r.success)}</result>`;
}
