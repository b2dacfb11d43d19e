-- How many records the object's last incremental pass read: the next pass reads a window as
-- small by one REST query page instead of a Bulk job (see object-pass.ts).
ALTER TABLE backup_object_state ADD COLUMN last_changes bigint;
