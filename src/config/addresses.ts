// Lists of client addresses for options such as METRICS_ALLOW: single addresses or CIDR ranges, IPv4 or IPv6, or the
// words `any` and `none`. Checked at start so a typo stops the server instead of silently locking everyone out.
import { BlockList, SocketAddress, isIP, isIPv4 } from 'node:net';

const EVERYONE = Object.freeze(['0.0.0.0/0', '::/0']);

/**
 * 4 or 6 for an address, else 0, parsed as the matcher's BlockList parses it. Not `isIP`: Node compiles its IPv6
 * pattern on first use, some milliseconds of every start for the default `::1`; requests from IPv6 clients pay that
 * later, once, if any come.
 */
function familyOf(address: string): 0 | 4 | 6 {
  if (!address.includes(':')) return isIPv4(address) ? 4 : 0;
  // A zone (`fe80::1%eth0`) as isIP takes it: one or more of these characters.
  const zone = address.indexOf('%');
  if (zone !== -1 && !/^[0-9a-zA-Z.:-]+$/.test(address.slice(zone + 1))) return 0;
  try {
    new SocketAddress({ address, family: 'ipv6' });
    return 6;
  } catch {
    return 0;
  }
}

/** Parses a comma-separated list; `problem` names the first bad entry and what is accepted. */
export function parseAddresses(raw: string, where: string): { value?: readonly string[]; problem?: string } {
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 1 && entries[0]!.toLowerCase() === 'none') return { value: Object.freeze([]) };
  if (entries.length === 1 && entries[0]!.toLowerCase() === 'any') return { value: EVERYONE };
  if (entries.length === 0) return { problem: `${where} names no address; give addresses or CIDR ranges such as 127.0.0.1,10.0.0.0/8, or any, or none` };
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = familyOf(address ?? '');
    const bits = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) {
      return {
        problem: `${where}: "${entry}" is not an IP address or CIDR range; use entries such as 127.0.0.1, ::1 or 10.0.0.0/8 (comma-separated), or any, or none`,
      };
    }
  }
  return { value: Object.freeze(entries) };
}

/** A matcher for a parsed list; IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) count as their IPv4 address. */
export function addressMatcher(entries: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const type = familyOf(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (ip) => {
    const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}
