import { ORIGIN_PATTERN } from '../config/schema.js';
import { OrgVaultError } from '../errors.js';

/**
 * The domains Salesforce documents for login, My Domain and instance hosts: login. and
 * test.salesforce.com, NAME.my.salesforce.com with its partitions (sandbox., scratch., develop.,
 * demo., patch., trailblaze.), legacy instance hosts (na1.salesforce.com, cs1.force.com),
 * lightning.force.com, cloudforce.com and database.com My Domains, Government Cloud Plus
 * (my.salesforce.mil) and Salesforce on Alibaba Cloud (my.sfcrmproducts.cn).
 */
export const SALESFORCE_DOMAINS = ['salesforce.com', 'force.com', 'cloudforce.com', 'database.com', 'salesforce.mil', 'sfcrmproducts.cn'];

interface Pattern {
  protocol: string;
  /** Lower-case host; with `wildcard`, the suffix below which any name matches. */
  host: string;
  wildcard: boolean;
  /** '' = the scheme's default port; '*' = any. */
  port: string;
}

function toPattern(origin: string): Pattern {
  const m = ORIGIN_PATTERN.exec(origin.trim());
  if (!m)
    throw new OrgVaultError('CONFIG_INVALID', `Not an origin: "${origin}" (expected scheme://host[:port], e.g. http://127.0.0.1:8080)`);
  const defaultPort = m[1]!.toLowerCase() === 'https' ? '443' : '80';
  return {
    protocol: `${m[1]!.toLowerCase()}:`,
    host: m[3]!.toLowerCase(),
    wildcard: m[2] !== undefined,
    port: m[4] === defaultPort ? '' : (m[4] ?? ''),
  };
}

const SALESFORCE: Pattern[] = SALESFORCE_DOMAINS.flatMap((host) => [
  { protocol: 'https:', host, wildcard: false, port: '' },
  { protocol: 'https:', host, wildcard: true, port: '' },
]);

function matches(p: Pattern, url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return (
    p.protocol === url.protocol && (p.port === '*' || p.port === url.port) && (p.wildcard ? host.endsWith(`.${p.host}`) : host === p.host)
  );
}

/**
 * Which addresses the engine may call as an org: Salesforce's own domains over https, and the
 * origins an operator adds (ORGVAULT_SALESFORCE_ORIGINS, e.g. a test server). Every login and
 * instance URL is checked here before anything is sent to it, so connecting an org cannot be
 * used to reach the engine's own database, blob store or anything else on its network.
 */
export class OrgOrigins {
  readonly #patterns: Pattern[];

  constructor(extra: readonly string[] = []) {
    this.#patterns = [...SALESFORCE, ...extra.map(toPattern)];
  }

  /**
   * The URL as an origin (no path, no trailing slash) when it may be called; otherwise
   * URL_NOT_ALLOWED, whose message never depends on what is at the address.
   */
  check(value: string, what: string): string {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    const bare = url && !url.username && !url.password && !url.search && !url.hash && (url.pathname === '/' || url.pathname === '');
    if (!url || !bare || !this.#patterns.some((p) => matches(p, url))) {
      throw new OrgVaultError(
        'URL_NOT_ALLOWED',
        `The ${what} must be an https:// address on a Salesforce domain (such as NAME.my.salesforce.com, login.salesforce.com or test.salesforce.com), without a path`,
        {
          actions: [
            "Give the org's My Domain URL, or login.salesforce.com (production) / test.salesforce.com (sandbox).",
            'To reach another address (a test server), add its origin to ORGVAULT_SALESFORCE_ORIGINS.',
          ],
        },
      );
    }
    return url.origin;
  }
}

/** Salesforce's domains only: what a connection checks against unless told otherwise. */
export const SALESFORCE_ONLY = new OrgOrigins();
