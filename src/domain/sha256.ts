// SHA-256 as hex, for token secrets (every authenticated request) and audit records. Node's one-shot crypto.hash
// (every supported Node has it) takes a third of the time of createHash().update().digest().
import { hash } from 'node:crypto';

export const sha256Hex = (text: string): string => hash('sha256', text, 'hex');
