import type { EventFilter } from './bus.js';

export const ALL_CHANGE_EVENTS = '/data/ChangeEvents';

/**
 * The entity a change event channel carries: '*' for /data/ChangeEvents, Account for
 * /data/AccountChangeEvent, Invoice__c for /data/Invoice__ChangeEvent; undefined when the name is
 * no change event channel.
 */
export function entityOfChannel(channel: string): string | undefined {
  if (channel === ALL_CHANGE_EVENTS) return '*';
  const m = /^\/data\/([A-Za-z][A-Za-z0-9_]*?)(__)?ChangeEvent$/.exec(channel);
  if (!m) return undefined;
  return m[2] ? `${m[1]}__c` : m[1];
}

export function channelFilter(entity: string): EventFilter {
  return entity === '*' ? () => true : (e) => e.header.entityName === entity;
}
