// timestamptz from the driver. drizzle's own timestamp column hands PostgreSQL's text form to `new Date()`, whose
// legacy parser reads years below 100 as 19xx ("0099-06-01 ..." becomes 1999) or not at all ("0013-..." is an
// Invalid Date, and then a 500 when it is serialised). postgres-date, the parser pg-types bundles for pg's own
// timestamps, reads every year right.
import parseDate from 'postgres-date';

/** PostgreSQL's timestamptz output ("0013-01-01 00:00:59.5+00", any session time zone) as a Date. */
export function parseTimestamptz(text: string): Date {
  const parsed = parseDate(text);
  // `infinity`, or text that is not a timestamp: the API stores neither, so refuse rather than guess.
  if (!(parsed instanceof Date) || Number.isNaN(parsed.getTime())) throw new Error(`unexpected timestamptz text from PostgreSQL: ${JSON.stringify(text)}`);
  return parsed;
}
