// The preview's entry: the Backup page as in Salesforce, on synthetic shadow so SLDS reaches
// inside the base components as it does in Lightning Experience.
import '@lwc/synthetic-shadow';
import { createElement } from 'lwc';
import OrgVaultBackupPage from 'c/orgVaultBackupPage';

document.querySelector('#app').appendChild(createElement('c-org-vault-backup-page', { is: OrgVaultBackupPage }));
