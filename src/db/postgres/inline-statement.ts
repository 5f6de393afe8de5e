// Statements sent with a COMMIT in one simple-protocol message (driver.ts): such a message carries no parameters, so
// each value is inlined as a quoted literal, escaped by pg's own escapeLiteral (quotes doubled; with a backslash,
// backslashes doubled in an E'' string, read the same whatever standard_conforming_strings says). A literal of
// unknown type takes its type from where it stands, as a parameter does. The text between the values is the
// program's own, never input.
import { escapeLiteral } from 'pg';
import type { Statement, StatementValue } from '../database.js';
import { UnstorableValueError } from '../errors.js';

function literal(value: StatementValue): string {
  if (value === null) return 'NULL';
  const text = typeof value === 'string' ? value : String(value);
  // The simple protocol ends the message's text at a NUL; PostgreSQL stores none in text either (as a parameter, the
  // same value fails with 22021, which maps to this same error).
  if (text.includes('\0')) throw new UnstorableValueError('a NUL character in text');
  if (typeof value === 'number' && !Number.isFinite(value)) throw new UnstorableValueError(`the number ${text}`);
  return escapeLiteral(text);
}

/** `s` as one SQL text, its values inlined. */
export function inlineStatement(s: Statement): string {
  if (s.strings.length !== s.values.length + 1) throw new TypeError('a Statement has one more piece of text than it has values; build it with statement``');
  let text = s.strings[0]!;
  for (let i = 0; i < s.values.length; i++) text += literal(s.values[i]!) + s.strings[i + 1]!;
  return text;
}

/** The one message that runs `prelude`, then `statement` (COMMIT), each ending at its semicolon. */
export function withPrelude(prelude: readonly Statement[], statement: string): string {
  return `${prelude.map(inlineStatement).join(';\n')};\n${statement}`;
}
