import { describe, it, expect } from '@jest/globals';
import { OrgOrigins, SALESFORCE_ONLY } from '../../src/salesforce/origins.js';
import { configSchema } from '../../src/config/schema.js';

const allowed = (o: OrgOrigins, url: string): boolean => {
  try {
    o.check(url, 'login URL');
    return true;
  } catch {
    return false;
  }
};

describe('the addresses an org may have', () => {
  it("accepts Salesforce's documented login, My Domain and instance hosts over https, as origins", () => {
    for (const url of [
      'https://login.salesforce.com',
      'https://test.salesforce.com/',
      'https://acme.my.salesforce.com',
      'https://acme--uat.sandbox.my.salesforce.com',
      'https://flow-ruby-1234-dev-ed.scratch.my.salesforce.com',
      'https://acme-dev-ed.develop.my.salesforce.com',
      'https://acme.lightning.force.com',
      'https://na1.salesforce.com',
      'https://cs42.force.com',
      'https://acme.my.salesforce.mil',
      'https://acme.cloudforce.com',
      'https://acme.my.sfcrmproducts.cn',
      'https://ACME.My.Salesforce.com:443',
    ])
      expect([url, allowed(SALESFORCE_ONLY, url)]).toEqual([url, true]);
    expect(SALESFORCE_ONLY.check('https://ACME.my.salesforce.com:443/', 'login URL')).toBe('https://acme.my.salesforce.com');
  });

  it('refuses anything else, with the same code and message whatever the address', () => {
    const messages = new Set<string>();
    for (const url of [
      'http://login.salesforce.com',
      'https://login.salesforce.com:8443',
      'https://salesforce.com.evil.test',
      'https://evilsalesforce.com',
      'https://login.salesforce.com@127.0.0.1',
      'https://user:pw@login.salesforce.com',
      'https://login.salesforce.com/services/oauth2/token',
      'https://login.salesforce.com/?x=1',
      'https://evil.test/#.my.salesforce.com',
      'https://127.0.0.1',
      'https://[::1]',
      'http://localhost:5432',
      'file:///etc/passwd',
      'not a url',
      '',
    ]) {
      expect([url, allowed(SALESFORCE_ONLY, url)]).toEqual([url, false]);
      try {
        SALESFORCE_ONLY.check(url, 'login URL');
      } catch (err) {
        messages.add(`${(err as { code: string }).code} ${(err as Error).message}`);
      }
    }
    expect(messages.size).toBe(1);
    expect([...messages][0]).toMatch(/^URL_NOT_ALLOWED /);
  });

  it('allows the origins an operator adds: exact, any port, subdomains', () => {
    const o = new OrgOrigins(['http://127.0.0.1:8080', 'http://localhost:*', 'https://*.example.test']);
    expect(allowed(o, 'http://127.0.0.1:8080')).toBe(true);
    expect(allowed(o, 'http://127.0.0.1:8081')).toBe(false);
    expect(allowed(o, 'https://127.0.0.1:8080')).toBe(false);
    expect(allowed(o, 'http://localhost:1234')).toBe(true);
    expect(allowed(o, 'http://localhost')).toBe(true);
    expect(allowed(o, 'https://org.example.test')).toBe(true);
    expect(allowed(o, 'https://example.test')).toBe(false);
    expect(allowed(o, 'https://login.salesforce.com')).toBe(true);
  });

  it('reads ORGVAULT_SALESFORCE_ORIGINS as a comma-separated list and refuses what is not an origin', () => {
    expect(configSchema.parse({}).salesforceOrigins).toEqual([]);
    expect(configSchema.parse({ salesforceOrigins: ' http://127.0.0.1:*, https://*.example.test ' }).salesforceOrigins).toEqual([
      'http://127.0.0.1:*',
      'https://*.example.test',
    ]);
    for (const bad of ['127.0.0.1:8080', 'http://127.0.0.1/path', 'ftp://host', 'http://host:port'])
      expect(configSchema.safeParse({ salesforceOrigins: bad }).success).toBe(false);
  });
});
