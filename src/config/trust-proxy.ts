// TRUST_PROXY: which hops in front of the server may say who the client is (X-Forwarded-For). A number of hops, or
// the proxies' own addresses; never "everyone", which lets any client write its own address into the header and so
// choose the address that rate limits, the audit trail and the /metrics allow-list see.
import { parseAddresses } from './addresses.js';

/** What Fastify's `trustProxy` takes: `false` (the socket's address), a hop count, or the trusted proxies. */
export type TrustProxy = false | number | readonly string[];

/** proxy-addr's names for ranges of private addresses, which Fastify accepts beside addresses and CIDR ranges. */
const RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

const FORMS =
  "use a number of proxies in front of the server (1 for one load balancer), or the proxies' addresses or CIDR ranges " +
  '(comma-separated, e.g. 10.0.0.0/8,192.168.1.5, or loopback, linklocal, uniquelocal), or false';

export function parseTrustProxy(raw: string, where: string): { value: TrustProxy } | { problems: string[] } {
  const v = raw.trim().toLowerCase();
  if (['false', 'no', 'off', '0', 'none', ''].includes(v)) return { value: false };
  if (['true', 'yes', 'on', 'any', 'all'].includes(v)) {
    return {
      problems: [
        `${where} would trust X-Forwarded-For from anyone, so every client could choose the address that rate limits, the audit trail ` +
          `and METRICS_ALLOW see; ${FORMS}`,
      ],
    };
  }
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 100) return { problems: [`${where} is more proxies than any real chain has; ${FORMS}`] };
    return { value: hops };
  }
  const entries = v
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const addresses = entries.filter((e) => !RANGE_NAMES.includes(e));
  if (addresses.length > 0) {
    const parsed = parseAddresses(addresses.join(','), where);
    if (parsed.problem || !parsed.value || parsed.value.length === 0 || addresses.some((a) => ['any', 'none'].includes(a))) {
      return { problems: [`${where} is neither a number of proxies nor a list of proxy addresses; ${FORMS}`] };
    }
  }
  return { value: Object.freeze(entries) };
}
