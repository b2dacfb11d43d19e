/** What every partner API call is handed, and the shape of a call. */
import type { Org } from '../data/org.js';
import type { EmulatorOptions } from '../options.js';
import type { XmlElement } from './xml.js';

export interface SoapContext {
  org: Org;
  options: EmulatorOptions;
  instanceUrl: string;
  /** "62.0" */
  version: string;
  /** SOAP headers by local name. */
  headers: Map<string, XmlElement>;
  /** The caller (empty for login). */
  userId: string;
  sessionId: string;
}

/** Answers the inside of `<{op}Response>`; throws SfError for a fault. */
export type SoapCall = (op: XmlElement, ctx: SoapContext) => string;
