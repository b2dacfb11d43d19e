/**
 * Bulk API 1.0 errors: `<error><exceptionCode>InvalidJob</exceptionCode><exceptionMessage>...`
 * (JSON: `{exceptionCode, exceptionMessage}`), HTTP 400 (jsforce takes InvalidSessionId with
 * 400 as an expired session and refreshes it), 404 for unknown resources.
 */
import type { Response } from 'express';
import { escapeXml } from '../soap/xml.js';

export type Bulk1Code =
  | 'ClientInputError'
  | 'InvalidBatch'
  | 'InvalidJob'
  | 'InvalidJobState'
  | 'InvalidOperation'
  | 'InvalidSessionId'
  | 'InvalidUrl'
  | 'InvalidXML'
  | 'ExceededQuota'
  | 'FeatureNotEnabled'
  | 'Unknown';

export class Bulk1Error extends Error {
  constructor(
    readonly code: Bulk1Code,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export function sendBulk1Error(res: Response, err: Bulk1Error, json: boolean): void {
  res.status(err.status);
  if (json) {
    res.json({ exceptionCode: err.code, exceptionMessage: err.message });
    return;
  }
  const message = escapeXml(err.message);
  res
    .type('application/xml; charset=UTF-8')
    .send(
      `<?xml version="1.0" encoding="UTF-8"?><error xmlns="http://www.force.com/2009/06/asyncapi/dataload">` +
        `<exceptionCode>${err.code}</exceptionCode><exceptionMessage>${message}</exceptionMessage></error>`,
    );
}
