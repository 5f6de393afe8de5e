// The audit trail's two inlets: every mutation through the ChangeRecorder seam, inside the changing transaction (a
// change and its record commit or roll back together), and every refused sign-in or denied permission through
// SecurityEvents, each in a transaction of its own since there is no change to join.
import type { ChangeRecorder } from '../../domain/changes.js';
import type { SecurityEvents } from '../../domain/security-events.js';
import { append, type AuditStore } from './chain.js';

export function auditRecorder(store: AuditStore): ChangeRecorder & SecurityEvents {
  return {
    async record(tx, change) {
      await append(tx, store, {
        orgId: change.orgId,
        actorId: change.actor?.memberId,
        tokenId: change.actor?.tokenId,
        action: change.action,
        resource: change.resource,
        before: change.before,
        after: change.after,
        requestId: change.request?.id,
        ip: change.request?.ip,
        userAgent: change.request?.userAgent,
      });
    },
    async signInFailed(event, request) {
      await store.db.write((tx) =>
        append(tx, store, {
          orgId: event.subject?.orgId ?? '',
          actorId: event.subject?.memberId,
          tokenId: event.subject?.tokenId,
          action: 'auth.failed',
          detail: { reason: event.reason, route: event.route },
          requestId: request.id,
          ip: request.ip,
          userAgent: request.userAgent,
        }),
      );
    },
    async denied(event, request) {
      await store.db.write((tx) =>
        append(tx, store, {
          orgId: event.principal.orgId,
          actorId: event.principal.memberId,
          tokenId: event.principal.tokenId,
          action: 'access.denied',
          resource: event.projectId === undefined ? undefined : { type: 'project', id: event.projectId },
          detail: { permission: event.permission, route: event.route },
          requestId: request.id,
          ip: request.ip,
          userAgent: request.userAgent,
        }),
      );
    },
  };
}
