-- An organization's chain head only moves forward, to a record that exists and carries the hash the head names: a
-- head is born at seq 0 with the genesis hash, is never removed, and never goes back. Without this, whoever can write
-- the tables could cut the end of a chain (with the append-only triggers out of the way) and point the head at the new
-- last record, and the chain would verify. The record check runs AFTER the row changes, at the end of the statement,
-- so it sees the record written in the same statement (postgres/write-record.ts appends both in one).
CREATE FUNCTION audit_heads_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
    RAISE EXCEPTION 'audit chain heads are never removed: % on audit_heads is refused', TG_OP
      USING ERRCODE = 'insufficient_privilege', HINT = 'a chain head only moves forward as records are appended';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.seq <> 0 OR NEW.hash <> repeat('0', 64) THEN
      RAISE EXCEPTION 'a new audit chain head starts at seq 0 with the genesis hash; seq % is refused for organization "%"', NEW.seq, NEW.org_id
        USING ERRCODE = 'insufficient_privilege', HINT = 'heads are created empty and move forward as records are appended';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.org_id <> OLD.org_id THEN
    RAISE EXCEPTION 'an audit chain head belongs to one organization; moving it from "%" to "%" is refused', OLD.org_id, NEW.org_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash) THEN
    RAISE EXCEPTION 'the audit chain head of organization "%" only moves forward: seq % to seq % is refused', NEW.org_id, OLD.seq, NEW.seq
      USING ERRCODE = 'insufficient_privilege', HINT = 'records are never removed, so the head never goes back';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE FUNCTION audit_heads_name_a_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.seq <> OLD.seq AND NOT EXISTS (SELECT 1 FROM audit_records WHERE org_id = NEW.org_id AND seq = NEW.seq AND hash = NEW.hash) THEN
    RAISE EXCEPTION 'the audit chain head of organization "%" may only name a record that exists: seq % with that hash is not in audit_records', NEW.org_id, NEW.seq
      USING ERRCODE = 'insufficient_privilege', HINT = 'append the record first; the head follows it';
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_heads_forward_only BEFORE INSERT OR UPDATE OR DELETE ON "audit_heads" FOR EACH ROW EXECUTE FUNCTION audit_heads_forward_only();
--> statement-breakpoint
CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON "audit_heads" FOR EACH STATEMENT EXECUTE FUNCTION audit_heads_forward_only();
--> statement-breakpoint
CREATE TRIGGER audit_heads_names_record AFTER UPDATE ON "audit_heads" FOR EACH ROW EXECUTE FUNCTION audit_heads_name_a_record();
