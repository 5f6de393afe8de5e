// The key a client's requests are counted under by the rate limits (rate-limits.ts), as @fastify/rate-limit's own key
// groups them: an IPv4 address as it is; an IPv6 address by its /64, since one host is routinely given a whole /64 and
// counting each address apart would give it 2^64 allowances; an IPv4 address mapped into IPv6 (::ffff:192.0.2.1, as a
// dual-stack socket reports an IPv4 client) as that IPv4 address. Worked out here, not with the plugin's address
// library, which is loaded only when a limit is first asked (rate-limits.ts says why), while this runs on every request.
import { isIPv6 } from 'node:net';

/** The eight 16-bit groups of a valid IPv6 address (no zone), `::` filled in and a trailing dotted IPv4 part split. */
function groups(address: string): number[] {
  let text = address;
  let tail: number[] = [];
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    tail = [(a << 8) | b, (c << 8) | d];
    text = text.slice(0, v4.index);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const [head, rest] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const front = parse(head);
  const back = [...parse(rest), ...tail];
  return [...front, ...new Array<number>(rest === undefined ? 0 : 8 - front.length - back.length).fill(0), ...back];
}

export function clientKey(ip: string | undefined): string {
  // Node knows no address for a socket destroyed before its peer was read: such a request is answered to no one.
  if (typeof ip !== 'string') return 'unknown';
  // Every IPv6 address has a colon, and no IPv4 one: the common case asks nothing more.
  if (!ip.includes(':')) return ip;
  const address = ip.replace(/%.*$/, '');
  if (!isIPv6(address)) return ip.toLowerCase();
  const g = groups(address.toLowerCase());
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `${g[6]! >> 8}.${g[6]! & 0xff}.${g[7]! >> 8}.${g[7]! & 0xff}`;
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}
