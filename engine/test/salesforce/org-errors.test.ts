import { describe, expect, it } from '@jest/globals';
import { isBulkUnsupportedObject } from '../../src/salesforce/bulk2-jobs.js';
import { isTransient, orgHttpError, orgNetworkError, parseSalesforceError } from '../../src/salesforce/org-errors.js';

describe('org error mapping', () => {
  it('parses Salesforce error arrays and OAuth errors', () => {
    expect(parseSalesforceError('[{"message":"bad field","errorCode":"INVALID_FIELD","fields":["Foo"]}]')).toEqual({
      errorCode: 'INVALID_FIELD',
      message: 'bad field',
      fields: ['Foo'],
    });
    expect(parseSalesforceError('{"error":"invalid_grant","error_description":"expired access/refresh token"}')).toEqual({
      errorCode: 'invalid_grant',
      message: 'expired access/refresh token',
    });
    expect(parseSalesforceError('<html>')).toBeUndefined();
  });

  it('maps REQUEST_LIMIT_EXCEEDED to API_BUDGET_EXHAUSTED', () => {
    const err = orgHttpError(403, '[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]', 'query');
    expect(err.code).toBe('API_BUDGET_EXHAUSTED');
    expect(err.details).toMatchObject({ source: 'org', status: 403 });
  });

  it('maps 401 to ORG_AUTH_FAILED with an action', () => {
    const err = orgHttpError(401, '[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]', 'query');
    expect(err.code).toBe('ORG_AUTH_FAILED');
    expect(err.actions[0]).toMatch(/Reconnect/);
  });

  it('keeps the Salesforce code and marks server errors transient', () => {
    const bad = orgHttpError(400, '[{"message":"unexpected token","errorCode":"MALFORMED_QUERY"}]', 'query');
    expect(bad.code).toBe('ORG_API_ERROR');
    expect(bad.details).toMatchObject({ errorCode: 'MALFORMED_QUERY', transient: false });
    expect(isTransient(bad)).toBe(false);
    expect(isTransient(orgHttpError(503, 'Service Unavailable', 'query'))).toBe(true);
  });

  it('treats socket failures, as fetch reports them, as transient', () => {
    const reset = new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(isTransient(reset)).toBe(true);
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    expect(orgNetworkError(refused, 'x').details).toMatchObject({ errorCode: 'ECONNREFUSED', transient: true });
    expect(isTransient(new Error('something else'))).toBe(false);
  });
});

describe('Bulk refusals', () => {
  it('recognises an object Bulk API will not query, at creation or as a failed job', () => {
    const atCreate = orgHttpError(
      400,
      `[{"errorCode":"INVALIDENTITY","message":"Entity 'LeadStatus' is not supported by the Bulk API."}]`,
      'create',
    );
    expect(isBulkUnsupportedObject(atCreate)).toBe(true);
    expect(isBulkUnsupportedObject(orgHttpError(400, '[{"errorCode":"INVALID_FIELD","message":"No such column"}]', 'create'))).toBe(false);
  });
});
