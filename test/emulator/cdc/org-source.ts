import type { Org } from '../data/org.js';
import { RowState } from '../data/table.js';
import { eventNameOf } from './events/layout.js';
import type { CdcSource, SourceField } from './source.js';

const CHANNEL = 'ChangeEvents';
const MEMBER = 'PlatformEventChannelMember';

/** AccountChangeEvent → Account, Invoice__ChangeEvent → Invoice__c. */
function entityOfEvent(selectedEntity: string): string {
  return selectedEntity.replace(/__ChangeEvent$/, '__c').replace(/ChangeEvent$/, '');
}

/**
 * The emulator's org as CDC sees it. Selection lives in PlatformEventChannelMember records
 * (EventChannel ChangeEvents, SelectedEntity AccountChangeEvent), so it is queryable and
 * changeable like any record.
 */
export function orgSource(org: Org): CdcSource {
  const fieldCache = new WeakMap<object, SourceField[]>();
  const members = () => {
    const table = org.table(MEMBER);
    const out: Array<{ id: string; entity: string }> = [];
    for (let row = 0; row < table.size; row++) {
      if (table.rowState(row) !== RowState.Live || table.getStored(row, 'EventChannel') !== CHANNEL) continue;
      out.push({ id: table.idOf(row), entity: entityOfEvent(String(table.getStored(row, 'SelectedEntity'))) });
    }
    return out;
  };
  return {
    orgId: org.orgId,
    onTransaction: (listener) => void org.onTransaction(listener),
    fields(sobject) {
      const def = org.describe(sobject);
      if (!def) return undefined;
      let fields = fieldCache.get(def);
      if (!fields) {
        const parents = new Set(def.fields.map((f) => f.compoundFieldName).filter(Boolean));
        // Computed values other than compounds (person Name, addresses) are formulas to CDC.
        fields = def.fields.map((f) => ({ ...f, calculated: f.calculated || (f.compute !== null && !parents.has(f.name)) }));
        fieldCache.set(def, fields);
      }
      return fields;
    },
    selectedEntities: () => members().map((m) => m.entity),
    setSelected(sobject, selected) {
      const def = org.describe(sobject);
      if (!def) return;
      const existing = members().filter((m) => m.entity === def.name);
      if (selected && existing.length === 0) {
        const event = eventNameOf(def.name);
        org.create(MEMBER, { DeveloperName: `${CHANNEL}_${event}`, MasterLabel: event, EventChannel: CHANNEL, SelectedEntity: event });
      }
      if (!selected) for (const m of existing) org.hardDelete(m.id);
    },
    session(accessToken) {
      const userId = org.authenticate(accessToken);
      return userId ? { userId } : undefined;
    },
  };
}
