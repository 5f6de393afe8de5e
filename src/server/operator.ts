// The operator: whoever runs the server, as distinct from the tenants who use it. Cluster state (database nodes,
// their addresses and errors, counts across organizations, metrics, health details) is the operator's alone. The
// operator is recognised by an operator credential that is never a tenant token (ADMIN_TOKEN, or one of the hashed
// tokens of ADMIN_TOKENS_FILE), or by calling from an address of METRICS_ALLOW. A tenant's role, even an owner's,
// grants nothing here: anyone can sign up and become an owner.
//
// An address stands for the operator only when it is the client's own: the socket's, on a request that claims no
// relay, or the one a proxy that TRUST_PROXY lists by address wrote into X-Forwarded-For. A proxy on the same host
// that the server was not told about relays every client from 127.0.0.1, the default METRICS_ALLOW; and with a hop
// count, whoever connects is taken for the proxy, so a client reaching the port directly writes its own address. A
// request that claims a relay (Forwarded, X-Forwarded-For, X-Real-IP) otherwise is not the operator's by address.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Config } from '../config/config.js';
import { compile as compileTrust } from '@fastify/proxy-addr';
import { addressMatcher } from '../config/addresses.js';
import { readAdminTokensFile, sha256 } from '../config/admin-tokens.js';
import { TOKEN_PREFIX } from '../domain/tokens.js';
import { notFoundHandler } from './error-handler.js';
import { bearerSecret, hookList } from './route-hooks.js';
import type { AuthFailureLimiter } from './rate-limits.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The preHandler of an operator-only route: anyone else gets the 404 of a route that is not there. */
    requireOperator: preHandlerAsyncHookHandler;
  }
}

/** Routes under this prefix are the operator's; registering one without `requireOperator` fails at start. */
export const OPERATOR_PREFIX = '/v1/admin/';

export class OperatorAccess {
  readonly #hashes: readonly Buffer[];
  readonly #allowed: (ip: string) => boolean;
  /** Whether the socket's peer is a proxy TRUST_PROXY lists by address (a hop count or `false` lists none). */
  readonly #listedProxy: (address: string, hop: number) => boolean;
  #warnedOfRelay = false;

  constructor(
    config: Pick<Config, 'adminToken' | 'adminTokensFile' | 'metricsAllow' | 'trustProxy'>,
    private readonly failures: AuthFailureLimiter,
  ) {
    this.#hashes = Object.freeze([
      ...(config.adminToken === undefined ? [] : [sha256(config.adminToken)]),
      ...(config.adminTokensFile === undefined ? [] : readAdminTokensFile(config.adminTokensFile)),
    ]);
    this.#allowed = addressMatcher(config.metricsAllow);
    this.#listedProxy = Array.isArray(config.trustProxy) && config.trustProxy.length > 0 ? compileTrust([...config.trustProxy]) : () => false;
  }

  /** Whether `secret` is an operator token: every digest is compared, in constant time, whatever matched first. */
  #knows(secret: string): boolean {
    const presented = sha256(secret);
    let found = false;
    for (const hash of this.#hashes) found = timingSafeEqual(presented, hash) || found;
    return found;
  }

  /**
   * Whether `request` comes from the operator. A presented credential that is neither a tenant token nor an operator
   * token counts as a failed authentication, so operator tokens cannot be guessed faster than tenant tokens; a client
   * over that limit is not the operator by credential.
   */
  async isOperator(request: FastifyRequest): Promise<boolean> {
    if (this.byAddress(request)) return true;
    const header = request.headers.authorization;
    if (header === undefined || this.#hashes.length === 0) return false;
    const secret = bearerSecret(header);
    if (secret === undefined || secret.startsWith(TOKEN_PREFIX)) return false;
    try {
      await this.failures.admit(request);
    } catch {
      return false;
    }
    const known = this.#knows(secret);
    await this.failures.settle(request, !known);
    return known;
  }

  /** Whether the request comes from an address of METRICS_ALLOW that is the client's own (no credential is read). */
  byAddress(request: FastifyRequest): boolean {
    return this.#allowed(request.ip) && this.#addressIsClients(request);
  }

  /** Whether `request.ip` is the client's own address (see the top of this file); a relay that is not is logged once. */
  #addressIsClients(request: FastifyRequest): boolean {
    const h = request.headers;
    if (h.forwarded === undefined && h['x-forwarded-for'] === undefined && h['x-real-ip'] === undefined) return true;
    const peer = request.socket.remoteAddress ?? '';
    // Only X-Forwarded-For is read for the client's address, and only from a listed proxy.
    if (h['x-forwarded-for'] !== undefined && this.#listedProxy(peer, 0)) return true;
    if (!this.#warnedOfRelay) {
      this.#warnedOfRelay = true;
      request.log.warn(
        { ip: request.ip, peer },
        `a request from ${peer} carries a forwarding header, but TRUST_PROXY lists no proxy at that address (a hop count cannot tell ` +
          "a proxy's header from a client's): relayed requests are not taken for the operator's by address, and without TRUST_PROXY rate " +
          "limits and the audit trail see the proxy's address for every client; list the proxies' addresses in TRUST_PROXY (e.g. loopback) " +
          'and have them send X-Forwarded-For, or use an operator token',
      );
    }
    return false;
  }

  /** Makes `requireOperator` available and refuses, at start, an operator route that does not use it. */
  register(app: FastifyInstance): void {
    const guard: preHandlerAsyncHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!(await this.isOperator(request))) {
        notFoundHandler(request, reply);
        return reply;
      }
      return undefined;
    };
    app.decorate('requireOperator', guard);
    app.addHook('onRoute', (route) => {
      // `/v1/admin` itself too: a listing there would be as much the operator's as what lies under it.
      if (!route.url.startsWith(OPERATOR_PREFIX) && route.url !== OPERATOR_PREFIX.slice(0, -1)) return;
      const handlers = hookList(route.preHandler);
      if (!handlers.includes(guard)) {
        throw new Error(`${route.method} ${route.url}: routes under ${OPERATOR_PREFIX} are the operator's; guard them with app.requireOperator`);
      }
    });
  }
}
