// PostgreSQL WAL positions (LSNs), written `16/B374D848`: two hex halves of a 64-bit byte position. Routers compare
// them and subtract them (lag in bytes), so they are read into bigints once, here.

const LSN = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i;

/** The byte position of an LSN; undefined for anything else (a consistency token from a client may be junk). */
export function parseLsn(text: string | null | undefined): bigint | undefined {
  const m = LSN.exec(text?.trim() ?? '');
  if (!m) return undefined;
  return (BigInt(`0x${m[1]!}`) << 32n) | BigInt(`0x${m[2]!}`);
}

export function formatLsn(position: bigint): string {
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffffffffn).toString(16).toUpperCase()}`;
}
