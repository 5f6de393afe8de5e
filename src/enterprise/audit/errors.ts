import { UnavailableError } from '../../errors.js';

/** A checkpoint was asked of a server that holds no private key to sign it with: the server's configuration, not the request. */
export class AuditKeyMissingError extends UnavailableError {
  override readonly retryable: boolean = false;
  constructor() {
    super(
      'this server has no Ed25519 private key to sign checkpoints with; the operator sets AUDIT_KEY_FILE to a PEM private key (`openssl genpkey -algorithm ed25519 -out audit-key.pem`) and restarts it',
    );
  }
}

/** The checkpoint file the chain is held to cannot be read; what is wrong with it goes to the log, for the operator. */
export class CheckpointsUnreadableError extends UnavailableError {
  constructor() {
    super("the server's audit checkpoint file (AUDIT_CHECKPOINT_FILE) cannot be read, so the chain cannot be held to its checkpoints; the log says why");
  }
}
