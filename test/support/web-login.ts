/**
 * The browser's part of the web-server flow done over plain HTTP, for suites that test the
 * engine's side without Chromium: open the authorize URL, post the emulator's login form, allow
 * access, and hand back where Salesforce redirected (the callback URL with code and state).
 */

const field = (html: string, name: string): string | undefined => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];

async function form(url: string, body: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
    redirect: 'manual',
  });
}

/** The redirect target after logging in (and allowing access when asked); throws with the page when there is none. */
export async function loginOverHttp(authorizeUrl: string, username: string, password: string): Promise<URL> {
  const origin = new URL(authorizeUrl).origin;
  const first = await fetch(authorizeUrl, { redirect: 'manual' });
  const loginPage = await first.text();
  if (first.status === 302) return new URL(first.headers.get('location')!);
  const authz = field(loginPage, 'authz');
  if (!authz) throw new Error(`no login page (HTTP ${first.status}): ${loginPage.slice(0, 300)}`);
  let res = await form(`${origin}/services/oauth2/authorize/login`, { authz, username, pw: password });
  if (res.status === 200) {
    const page = await res.text();
    if (!page.includes('id="oaapprove"')) throw new Error(`login refused: ${page.slice(0, 300)}`);
    res = await form(`${origin}/services/oauth2/authorize/approve`, { authz, decision: 'allow' });
  }
  if (res.status !== 302) throw new Error(`no redirect after login (HTTP ${res.status}): ${(await res.text()).slice(0, 300)}`);
  return new URL(res.headers.get('location')!);
}
