CREATE TABLE `audit_heads` (
	`org_id` text PRIMARY KEY NOT NULL,
	`seq` integer DEFAULT 0 NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `audit_records` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`seq` integer DEFAULT 0 NOT NULL,
	`at` integer NOT NULL,
	`actor_id` text,
	`token_id` text,
	`action` text NOT NULL,
	`resource_type` text,
	`resource_id` text,
	`before` text,
	`after` text,
	`detail` text,
	`request_id` text,
	`ip` text,
	`user_agent` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_records_org_seq_key` ON `audit_records` (`org_id`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_records_org_action_idx` ON `audit_records` (`org_id`,`action`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_records_org_actor_idx` ON `audit_records` (`org_id`,`actor_id`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_records_org_at_idx` ON `audit_records` (`org_id`,`at`);--> statement-breakpoint
CREATE TABLE `rbac_versions` (
	`org_id` text PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `role_grants` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`member_id` text NOT NULL,
	`role` text NOT NULL,
	`project_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `role_grants_member_idx` ON `role_grants` (`member_id`);--> statement-breakpoint
CREATE INDEX `role_grants_org_role_idx` ON `role_grants` (`org_id`,`role`);--> statement-breakpoint
CREATE TABLE `roles` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`permissions` text DEFAULT '[]' NOT NULL,
	`inherits` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `roles_org_name_key` ON `roles` (`org_id`,`name`);