-- The filter indexes of audit_records become partial on their filter column being set, as on PostgreSQL (schema/tables.ts
-- says why; SQLite reaches them for the same listings).
DROP INDEX `audit_records_org_action_idx`;--> statement-breakpoint
DROP INDEX `audit_records_org_actor_idx`;--> statement-breakpoint
DROP INDEX `audit_records_org_at_idx`;--> statement-breakpoint
CREATE INDEX `audit_records_org_action_idx` ON `audit_records` (`org_id`,`action`,`seq`) WHERE "audit_records"."action" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `audit_records_org_actor_idx` ON `audit_records` (`org_id`,`actor_id`,`seq`) WHERE "audit_records"."actor_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `audit_records_org_at_idx` ON `audit_records` (`org_id`,`at`) WHERE "audit_records"."at" IS NOT NULL;