// The key the rate limits count a client under (src/server/client-key.ts): IPv4 as it is, IPv6 by its /64, IPv4
// mapped into IPv6 as IPv4, whatever way an address is written.
import { expect, it } from 'vitest';
import { clientKey } from '../../src/server/client-key.js';

it.each([
  ['198.51.100.7', '198.51.100.7'],
  ['::ffff:198.51.100.7', '198.51.100.7'],
  ['::FFFF:198.51.100.7', '198.51.100.7'],
  ['0:0:0:0:0:ffff:c633:6407', '198.51.100.7'],
  ['2001:db8::1', '2001:db8:0:0::/64'],
  ['2001:db8::10', '2001:db8:0:0::/64'],
  ['2001:DB8:0:0:ffff:ffff:ffff:ffff', '2001:db8:0:0::/64'],
  ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0::/64'],
  ['2001:db8::1%eth0', '2001:db8:0:0::/64'],
  ['2001:db8:0:1::1', '2001:db8:0:1::/64'],
  ['2001:db8:aa:bb:cc::', '2001:db8:aa:bb::/64'],
  ['::1', '0:0:0:0::/64'],
  ['::', '0:0:0:0::/64'],
  ['64:ff9b::198.51.100.7', '64:ff9b:0:0::/64'],
  ['fe80::1:2:3:4', 'fe80:0:0:0::/64'],
])('%s counts as %s', (ip, key) => {
  expect(clientKey(ip)).toBe(key);
});

it('counts a request whose socket had no address under one key of its own, rather than throw', () => {
  expect(clientKey(undefined)).toBe('unknown');
});

it('keeps apart what lies in different /64s', () => {
  expect(clientKey('2001:db8:0:1::1')).not.toBe(clientKey('2001:db8:0:2::1'));
  expect(clientKey('198.51.100.7')).not.toBe(clientKey('198.51.100.8'));
});
