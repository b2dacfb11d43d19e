-- When an administrator had the org's backups deleted (with its disconnect). Set before the store
-- deletes anything, so a deletion a stop cut short is finished at the next start; connecting the
-- org again clears it (its new backups are not the deleted ones).
ALTER TABLE orgs ADD COLUMN backups_deleted_at timestamptz;
