import type { BackupSettings } from '../schedule/backup-settings.js';
import type { ScopeOptions } from '../salesforce/scope.js';

/** Feed and Share objects are large and rebuilt by Salesforce itself: left out unless asked for. */
export const FEED_AND_SHARE = ['*Feed', '*Share'];

/** An org's backup settings as the scope rules describe() applies. */
export function scopeOptionsFrom(
  settings: Pick<BackupSettings, 'includeFeedAndShare' | 'excludedObjects' | 'excludedFields'>,
): ScopeOptions {
  return {
    exclude: [...(settings.includeFeedAndShare ? [] : FEED_AND_SHARE), ...settings.excludedObjects, ...settings.excludedFields],
  };
}
