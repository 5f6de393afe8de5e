// timestamptz to and from the driver. drizzle's own timestamp column hands PostgreSQL's text form to `new Date()`,
// whose legacy parser reads years below 100 as 19xx ("0099-06-01 ..." becomes 1999) or not at all ("0013-..." is an
// Invalid Date, and then a 500 when it is serialised). Our column parses the text itself.

const TIMESTAMPTZ = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;

/** PostgreSQL's timestamptz output ("0013-01-01 00:00:59.5+00", any session time zone) as a Date. */
export function parseTimestamptz(text: string): Date {
  const m = TIMESTAMPTZ.exec(text);
  if (!m) throw new Error(`unexpected timestamptz text from PostgreSQL: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os, bc] = m;
  const year = bc ? 1 - Number(y) : Number(y);
  const at = new Date(Date.UTC(2000, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(((frac ?? '') + '000').slice(0, 3))));
  // Set apart from Date.UTC, which maps years 0-99 to 1900-1999.
  at.setUTCFullYear(year);
  const offsetSeconds = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0)) : 0;
  return new Date(at.getTime() - offsetSeconds * 1000);
}
