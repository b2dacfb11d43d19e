/** Custom objects with the field-type mix an org's own data model brings. */
import { field, type ObjectDef } from './model.js';
import { defineObject, formula, geolocation, masterDetail, ref } from './field-kit.js';

export function customObjects(): ObjectDef[] {
  return [
    defineObject(
      'Project__c',
      'a01',
      [
        field('Name', 'string', { length: 80, required: true, nameField: true, custom: false }),
        ref('Account__c', 'Account', 'Account__r'),
        field('Status__c', 'picklist', { values: ['*Planned', 'Active', 'On Hold', 'Done'] }),
        field('Tags__c', 'multipicklist', { values: ['Alpha', 'Beta', 'Gamma', 'Delta', 'Omega'] }),
        field('Budget__c', 'currency', { precision: 16, scale: 2 }),
        field('Completion__c', 'percent', { precision: 5, scale: 2 }),
        field('Hours__c', 'double', { precision: 10, scale: 1 }),
        field('Start_Date__c', 'date'),
        field('Kickoff__c', 'datetime'),
        field('Active__c', 'boolean'),
        field('Description__c', 'textarea', { length: 32768, label: 'Description (long)' }),
        field('Website__c', 'url'),
        field('Contact_Email__c', 'email'),
        field('Phone__c', 'phone'),
        ...geolocation('Site__c'),
        field('External_Id__c', 'string', { length: 40, externalId: true, unique: true }),
        formula('Budget_With_Tax__c', 'currency', 'Budget__c * 1.2', (get) => {
          const b = get('Budget__c');
          return typeof b === 'number' ? Math.round(b * 120) / 100 : null;
        }),
      ],
      { owned: true, label: 'Project' },
    ),
    defineObject(
      'Invoice__c',
      'a02',
      [
        field('Name', 'string', { length: 80, nameField: true, custom: false, autoNumber: true, createable: false, updateable: false }),
        masterDetail('Project__c', 'Project__c', 'Project__r'),
        field('Amount__c', 'currency', { precision: 16, scale: 2 }),
        field('Due_Date__c', 'date'),
        field('Paid__c', 'boolean'),
        field('Invoice_Number__c', 'string', { length: 30, externalId: true, unique: true }),
        field('Notes__c', 'textarea', { length: 131072 }),
        formula('Overdue__c', 'boolean', 'AND(NOT(Paid__c), Due_Date__c < TODAY())', (get) => {
          const due = get('Due_Date__c');
          return !get('Paid__c') && typeof due === 'string' && due < new Date().toISOString().slice(0, 10);
        }),
      ],
      { label: 'Invoice' },
    ),
  ];
}
