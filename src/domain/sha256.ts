// SHA-256 as hex, for token secrets (every authenticated request) and audit records. Node's one-shot crypto.hash
// (20.12 and later) takes a third of the time of createHash().update().digest(); an older Node 20 gets the latter.
import * as crypto from 'node:crypto';

const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export const sha256Hex: (text: string) => string =
  typeof oneShot === 'function' ? (text) => oneShot('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');
