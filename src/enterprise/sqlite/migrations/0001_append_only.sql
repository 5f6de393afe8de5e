-- Audit records are append-only: UPDATE and DELETE are refused. Whoever can drop the triggers can change the file;
-- the hash chain and signed checkpoints catch what is done then.
CREATE TRIGGER `audit_records_no_update` BEFORE UPDATE ON `audit_records`
BEGIN
  SELECT RAISE(ABORT, 'audit records are append-only: UPDATE on audit_records is refused');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_records_no_delete` BEFORE DELETE ON `audit_records`
BEGIN
  SELECT RAISE(ABORT, 'audit records are append-only: DELETE on audit_records is refused');
END;
