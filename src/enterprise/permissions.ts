// The permissions the enterprise routes need. Owners hold every permission; admins hold these by default too.
import type { PermissionSpec } from '../domain/permissions.js';

export const ROLE_MANAGE = 'role:manage';
export const AUDIT_READ = 'audit:read';

export const ENTERPRISE_PERMISSIONS: readonly PermissionSpec[] = Object.freeze([
  { name: ROLE_MANAGE, description: 'create, change and delete custom roles; grant roles to members', grantedTo: ['admin'] },
  { name: AUDIT_READ, description: 'read, export and verify the audit trail', grantedTo: ['admin'] },
]);
