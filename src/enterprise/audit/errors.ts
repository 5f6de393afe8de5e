import { ConflictError } from '../../errors.js';

/** A checkpoint was asked of a server that holds no private key to sign it with. */
export class AuditKeyMissingError extends ConflictError {
  constructor() {
    super(
      'this server has no Ed25519 private key to sign checkpoints with; set AUDIT_KEY_FILE to a PEM private key (`openssl genpkey -algorithm ed25519 -out audit-key.pem`) and restart',
    );
  }
}
