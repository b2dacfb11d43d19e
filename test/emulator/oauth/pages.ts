/**
 * The HTML a browser sees during the web-server flow: the login page (field ids as on
 * Salesforce's: #username, #password named `pw`, #Login), the approval page (#oaapprove,
 * #oadeny) and the error page shown when the redirect cannot be trusted.
 */

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;
}

export function loginPage(input: { authz: string; username?: string; error?: boolean; orgName: string }): string {
  const error = input.error
    ? `<div id="error" role="alert">Please check your username and password. If you still can't log in, contact your Salesforce administrator.</div>`
    : '';
  return page(
    `Login | ${input.orgName}`,
    `<main><h1>Log In</h1>${error}
<form id="login_form" name="login" method="post" action="/services/oauth2/authorize/login">
<input type="hidden" name="authz" value="${escapeHtml(input.authz)}">
<label for="username">Username</label><input id="username" name="username" type="email" value="${escapeHtml(input.username ?? '')}" autocomplete="username">
<label for="password">Password</label><input id="password" name="pw" type="password" autocomplete="current-password">
<input id="Login" type="submit" value="Log In">
</form></main>`,
  );
}

export function approvalPage(input: { authz: string; clientId: string; username: string; scopes: string[] }): string {
  const scopes = input.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
  return page(
    'Allow Access?',
    `<main><h1>Allow Access?</h1>
<p>${escapeHtml(input.clientId)} is asking to access your data as ${escapeHtml(input.username)}:</p><ul>${scopes}</ul>
<form method="post" action="/services/oauth2/authorize/approve">
<input type="hidden" name="authz" value="${escapeHtml(input.authz)}">
<button id="oaapprove" name="decision" value="allow" type="submit">Allow</button>
<button id="oadeny" name="decision" value="deny" type="submit">Deny</button>
</form></main>`,
  );
}

/** Salesforce shows the error itself (no redirect) when the client or its redirect URI is not trusted. */
export function errorPage(error: string, description: string): string {
  const query = `error=${encodeURIComponent(error)}&error_description=${encodeURIComponent(description)}`;
  return page('Remote Access Error', `<main><h1>Remote Access Error</h1><p id="error">${escapeHtml(query)}</p></main>`);
}
