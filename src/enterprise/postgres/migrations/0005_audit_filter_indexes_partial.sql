-- The filter indexes of audit_records become partial on their filter column being set (schema/tables.ts says why):
-- a lookup by (org_id, seq) can then only take the unique index. So the head's record check (migration 0002) may keep
-- the generic plan PL/pgSQL makes per connection, and no longer needs the plan made afresh on each call that 0004
-- asked for (a setting switched and a plan made on every append).
-- On a deployment with a long trail the three indexes are built again here, which holds audited writes for as long.
DROP INDEX "audit_records_org_action_idx";--> statement-breakpoint
DROP INDEX "audit_records_org_actor_idx";--> statement-breakpoint
DROP INDEX "audit_records_org_at_idx";--> statement-breakpoint
CREATE INDEX "audit_records_org_action_idx" ON "audit_records" USING btree ("org_id","action","seq") WHERE "audit_records"."action" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_records_org_actor_idx" ON "audit_records" USING btree ("org_id","actor_id","seq") WHERE "audit_records"."actor_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_records_org_at_idx" ON "audit_records" USING btree ("org_id","at") WHERE "audit_records"."at" IS NOT NULL;--> statement-breakpoint
ALTER FUNCTION audit_heads_name_a_record() RESET plan_cache_mode;