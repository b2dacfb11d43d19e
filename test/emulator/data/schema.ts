/** The org's data model: object definitions by name and key prefix, and child relationships. */
import type { FieldDef, ObjectDef } from './model.js';
import { standardObjects } from './standard-objects.js';
import { customObjects } from './custom-objects.js';

export interface ChildRelationship {
  childSObject: string;
  field: string;
  relationshipName: string | null;
  cascadeDelete: boolean;
  restrictedDelete: boolean;
}

export class Schema {
  readonly objects: ObjectDef[];
  private readonly byName = new Map<string, ObjectDef>();
  private readonly byPrefix = new Map<string, ObjectDef>();
  private readonly fieldsByObject = new Map<string, Map<string, FieldDef>>();
  private readonly children = new Map<string, ChildRelationship[]>();

  constructor(objects: ObjectDef[] = [...standardObjects(), ...customObjects()]) {
    this.objects = objects;
    for (const o of objects) {
      this.byName.set(o.name.toLowerCase(), o);
      this.byPrefix.set(o.keyPrefix, o);
      this.fieldsByObject.set(o.name, new Map(o.fields.map((f) => [f.name.toLowerCase(), f])));
    }
    for (const o of objects) {
      for (const f of o.fields) {
        if (f.type !== 'reference' || f.name === 'CreatedById' || f.name === 'LastModifiedById') continue;
        for (const parent of f.referenceTo) {
          const list = this.children.get(parent) ?? [];
          list.push({
            childSObject: o.name,
            field: f.name,
            relationshipName: childRelationshipName(o, f),
            cascadeDelete: f.cascadeDelete,
            restrictedDelete: f.restrictedDelete,
          });
          this.children.set(parent, list);
        }
      }
    }
  }

  object(name: string): ObjectDef | undefined {
    return this.byName.get(name.toLowerCase());
  }

  objectByPrefix(prefix: string): ObjectDef | undefined {
    return this.byPrefix.get(prefix);
  }

  field(object: ObjectDef, name: string): FieldDef | undefined {
    return this.fieldsByObject.get(object.name)?.get(name.toLowerCase());
  }

  childRelationships(object: string): ChildRelationship[] {
    return this.children.get(object) ?? [];
  }
}

function childRelationshipName(child: ObjectDef, f: FieldDef): string | null {
  if (f.name === 'OwnerId' || f.name === 'MasterRecordId') return null;
  if (f.childRelationshipName) return f.childRelationshipName;
  const plural = child.labelPlural.replace(/[^A-Za-z0-9]/g, '');
  return f.custom ? `${plural}__r` : plural;
}
