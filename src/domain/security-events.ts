// Refusals the server makes before any domain write: a bearer token that does not sign in, and a caller denied a
// permission. The core reports them here and keeps nothing; an audit trail records each one in a
// transaction of its own (there is no change for it to join).
import type { Permission, Principal } from './authorizer.js';
import type { RequestMeta } from './changes.js';

export interface SignInFailure {
  /** Why the token was refused: malformed, unknown, revoked, expired, member removed. */
  readonly reason: string;
  /** Known when the token was found (revoked, expired, removed member); absent for an unknown token. */
  readonly subject?: { readonly orgId: string; readonly memberId: string; readonly tokenId: string } | undefined;
  readonly route: string;
}

export interface Denial {
  readonly principal: Principal;
  readonly permission: Permission;
  readonly projectId?: string | undefined;
  readonly route: string;
}

export interface SecurityEvents {
  signInFailed(event: SignInFailure, request: RequestMeta): Promise<void>;
  denied(event: Denial, request: RequestMeta): Promise<void>;
}

/** The core keeps no record of refusals. */
export const ignoreSecurityEvents: SecurityEvents = Object.freeze({ signInFailed: async () => undefined, denied: async () => undefined });
