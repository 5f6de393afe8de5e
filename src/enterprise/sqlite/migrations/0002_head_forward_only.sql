-- An organization's chain head only moves forward, to a record that exists and carries the hash the head names: a
-- head is born at seq 0 with the genesis hash, is never removed, and never goes back. Without this, whoever can write
-- the file could cut the end of a chain and point the head at the new last record, and the chain would verify.
-- A second head for the same organization is ignored rather than replacing the first (INSERT OR REPLACE would
-- otherwise reset it, since REPLACE's delete fires no trigger).
CREATE TRIGGER `audit_heads_no_delete` BEFORE DELETE ON `audit_heads`
BEGIN
  SELECT RAISE(ABORT, 'audit chain heads are never removed: DELETE on audit_heads is refused');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_heads_born_empty` BEFORE INSERT ON `audit_heads`
BEGIN
  SELECT RAISE(IGNORE) WHERE EXISTS (SELECT 1 FROM `audit_heads` WHERE `org_id` = NEW.`org_id`);
  SELECT RAISE(ABORT, 'a new audit chain head starts at seq 0 with the genesis hash; any other is refused')
    WHERE NEW.`seq` <> 0 OR NEW.`hash` <> '0000000000000000000000000000000000000000000000000000000000000000';
END;
--> statement-breakpoint
CREATE TRIGGER `audit_heads_forward_only` BEFORE UPDATE ON `audit_heads`
BEGIN
  SELECT RAISE(ABORT, 'an audit chain head belongs to one organization; moving it to another is refused')
    WHERE NEW.`org_id` <> OLD.`org_id`;
  SELECT RAISE(ABORT, 'an audit chain head only moves forward: moving it back (or rewriting its hash) is refused')
    WHERE NEW.`seq` < OLD.`seq` OR (NEW.`seq` = OLD.`seq` AND NEW.`hash` <> OLD.`hash`);
  SELECT RAISE(ABORT, 'an audit chain head may only name a record that exists: that seq with that hash is not in audit_records')
    WHERE NEW.`seq` <> OLD.`seq`
      AND NOT EXISTS (SELECT 1 FROM `audit_records` WHERE `org_id` = NEW.`org_id` AND `seq` = NEW.`seq` AND `hash` = NEW.`hash`);
END;
--> statement-breakpoint
-- REPLACE removes the row it conflicts with without firing the DELETE trigger above it (recursive triggers are off),
-- so `INSERT OR REPLACE` could swap a record for another: a record whose id or place is taken is refused instead.
CREATE TRIGGER `audit_records_no_replace` BEFORE INSERT ON `audit_records`
BEGIN
  SELECT RAISE(ABORT, 'audit records are append-only: a record with that id or seq exists, and replacing it is refused')
    WHERE EXISTS (SELECT 1 FROM `audit_records` WHERE `id` = NEW.`id` OR (`org_id` = NEW.`org_id` AND `seq` = NEW.`seq`));
END;
