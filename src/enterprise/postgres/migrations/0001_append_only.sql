-- Audit records are append-only: UPDATE, DELETE and TRUNCATE are refused for every role, table owner included.
-- A superuser can still disable the triggers; the hash chain and signed checkpoints catch what is done then.
CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit records are append-only: % on audit_records is refused', TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'audit records are never changed or removed; write a new record instead';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_records_no_update_delete BEFORE UPDATE OR DELETE ON "audit_records" FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON "audit_records" FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();
