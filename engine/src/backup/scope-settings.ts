import type { ScopeOptions } from '../salesforce/scope.js';

/** Feed and Share objects are large and rebuilt by Salesforce itself: left out unless asked for. */
export const FEED_AND_SHARE = ['*Feed', '*Share'];

/** What an org's backup settings (schedule/backup-settings.ts) say about scope. */
export interface ScopeSettings {
  /** Include *Feed and *Share objects. */
  includeFeedAndShare: boolean;
  /** Object API names left out. */
  excludedObjects: string[];
  /** "Object.Field" API names left out. */
  excludedFields: string[];
}

/** An org's backup settings as the scope rules describe() applies. */
export function scopeOptionsFrom(settings: ScopeSettings): ScopeOptions {
  return {
    exclude: [...(settings.includeFeedAndShare ? [] : FEED_AND_SHARE), ...settings.excludedObjects, ...settings.excludedFields],
  };
}
