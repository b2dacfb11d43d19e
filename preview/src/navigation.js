// lightning/navigation exists only inside Lightning Experience. The preview is one page that is
// never navigated away from, so its current page reference is the Backup tab's, told once on connect.
const BACKUP_PAGE = Object.freeze({ type: 'standard__navItemPage', attributes: { apiName: 'OrgVault_Backup' }, state: {} });

export class CurrentPageReference {
  constructor(dataCallback) {
    this.dataCallback = dataCallback;
  }

  connect() {
    this.dataCallback(BACKUP_PAGE);
  }

  disconnect() {}

  update() {}
}
