import type { BusEvent } from '../events/event.js';
import { isCompound, toJsonValue, type EntityLayout } from '../events/layout.js';

/**
 * A change event as a CometD client gets it: JSON, nulls and unchanged fields left out (a field
 * an update set to null is kept as null), changedFields as names, no nulledFields or diffFields.
 */
export function cometdData(layout: EntityLayout, schemaId: string, event: BusEvent): object {
  const { nulledFields: _n, diffFields: _d, ...header } = event.header;
  const isUpdate = header.changeType === 'UPDATE';
  const keep = (source: string) => source in event.values && (isUpdate || event.values[source] !== null);
  const payload: Record<string, unknown> = {};
  for (const slot of layout.slots) {
    if (!isCompound(slot)) {
      if (keep(slot.source)) payload[slot.name] = toJsonValue(slot.kind, event.values[slot.source]);
      continue;
    }
    const parts = slot.children.filter((c) => keep(c.source));
    if (parts.length > 0) payload[slot.name] = Object.fromEntries(parts.map((c) => [c.name, toJsonValue(c.kind, event.values[c.source])]));
  }
  const changedFields = header.changedFields.map((name) => {
    const pos = layout.positions.get(name);
    const slot = pos && layout.slots[pos.slot];
    return slot && pos.child !== undefined && isCompound(slot) ? `${slot.name}.${slot.children[pos.child]?.name}` : name;
  });
  payload.ChangeEventHeader = { ...header, changedFields };
  return { schema: schemaId, payload, event: { replayId: event.replayId } };
}
