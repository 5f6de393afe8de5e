// postgres-date (the parser pg-types uses for timestamps) ships no types.
declare module 'postgres-date' {
  /** PostgreSQL's date/timestamp text as a Date; `infinity` as ±Infinity; null for text it does not recognise. */
  export default function parseDate(text: string): Date | number | null;
}
