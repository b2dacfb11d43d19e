/**
 * The one place where errors become words for the page. The Apex controller throws
 * AuraHandledExceptions whose message is the engine's error as JSON {code, status, message,
 * actions}; anything else (LDS, network, JavaScript) is reduced the lwc-recipes way.
 */

/** The engine's error behind an Apex failure, or null when the failure did not come from it. */
export function engineError(error) {
  const text = error?.body?.message;
  if (typeof text !== 'string' || !text.startsWith('{')) return null;
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed.code !== 'string') return null;
    return {
      code: parsed.code,
      status: parsed.status,
      message: parsed.message || parsed.code,
      actions: Array.isArray(parsed.actions) ? parsed.actions : [],
    };
  } catch {
    return null;
  }
}

/** One or more errors → the list of messages to show. */
export function reduceErrors(errors) {
  const list = Array.isArray(errors) ? errors : [errors];
  return list
    .filter((error) => !!error)
    .map((error) => {
      const engine = engineError(error);
      if (engine) return engine.message;
      if (Array.isArray(error.body)) return error.body.map((e) => e.message);
      if (error.body && typeof error.body.message === 'string') return error.body.message;
      if (typeof error.message === 'string') return error.message;
      return error.statusText;
    })
    .flat()
    .filter((message) => !!message);
}

/** The actions the user can take for these errors (engine errors only carry them). */
export function reduceActions(errors) {
  const list = Array.isArray(errors) ? errors : [errors];
  return list.map((error) => engineError(error)?.actions ?? []).flat();
}

/** Headlines for the engine's refusals, in the page's words. */
const TITLES = {
  JOB_RUNNING: 'A backup is already running for this organization',
  FULL_BACKUP_REQUIRED: "This cycle's full backup has not finished yet",
  STORAGE_NOT_CONFIGURED: 'Backup storage is not configured',
  SUBSCRIPTION_EXPIRED: 'The OrgVault subscription has expired',
  DAILY_JOB_LIMIT: 'The daily job limit is reached',
  SEATS_EXCEEDED: 'Active users exceed the purchased seats',
  FORBIDDEN: 'You do not have permission to do this',
  ENGINE_UNREACHABLE: 'The OrgVault engine cannot be reached',
};

export function errorTitle(errors, fallback) {
  const list = Array.isArray(errors) ? errors : [errors];
  const code = list.map((error) => engineError(error)?.code).find((c) => c && TITLES[c]);
  return code ? TITLES[code] : fallback;
}
