// A unique violation from the database layer names the table and columns; the API answers with the request field
// the client can change instead.
import { ConflictError } from '../errors.js';
import { UniqueViolationError } from '../db/errors.js';

/**
 * Runs `fn`; a unique violation on `columns` (database names, snake_case) becomes a 409 naming `field`. Other errors
 * pass through untouched.
 */
export async function conflictAs<T>(fn: () => Promise<T>, columns: string, field: string, message: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UniqueViolationError && (err.info.columns ?? []).includes(columns)) {
      throw new ConflictError(message, { details: [{ field, message: 'is already taken' }], cause: err });
    }
    throw err;
  }
}
