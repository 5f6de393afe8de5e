-- The head's forward-only check (migration 0002) as a WHEN condition on its triggers, which the executor evaluates
-- itself: audit_heads_forward_only() now runs only for a change it refuses. Before, every append's head move called
-- it, a PL/pgSQL call per audited write (about a tenth of the append's time). What is refused, and the message, are
-- unchanged: each condition is the function's own test, and the function still raises as it did. The function is
-- also what DELETE fires (always refused), so that trigger keeps no condition. A condition that meets a NULL is not
-- true, as the function's own test was not: a NULL passes on to the columns' NOT NULL, which refuses it as before.
-- The record check (audit_heads_name_a_record) stays as it was: every move must pass it.
DROP TRIGGER audit_heads_forward_only ON audit_heads;--> statement-breakpoint
CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads FOR EACH ROW EXECUTE FUNCTION audit_heads_forward_only();--> statement-breakpoint
CREATE TRIGGER audit_heads_born_empty BEFORE INSERT ON audit_heads FOR EACH ROW
  WHEN (NEW.seq <> 0 OR NEW.hash <> repeat('0', 64))
  EXECUTE FUNCTION audit_heads_forward_only();--> statement-breakpoint
CREATE TRIGGER audit_heads_forward_only BEFORE UPDATE ON audit_heads FOR EACH ROW
  WHEN (NEW.org_id <> OLD.org_id OR NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash))
  EXECUTE FUNCTION audit_heads_forward_only();
