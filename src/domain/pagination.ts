// Keyset (cursor) pagination. A page is "the rows after this one in this order", not "rows 40 to 60", so rows
// inserted while a client pages through never shift a page: nothing is seen twice and nothing already listed is
// skipped. The cursor is opaque to clients: the ordering it belongs to, the last row's sort value and its id.
import { and, asc, desc, eq, gt, lt, or, type AnyColumn, type Placeholder, type SQL } from 'drizzle-orm';
import type { Database, Queryable } from '../db/database.js';
import { rowLimit, slot, slotFor } from '../db/prepared.js';
import { ValidationError } from '../errors.js';
import { storableInstant } from './instants.js';
import { DEFAULT_PAGE_SIZE, type Page, type PageRequest } from './schemas/page.js';

/** One ordering a listing offers. */
export interface KeysetOrder<R> {
  /** Carried in the cursor, so a cursor from one ordering is refused by another. */
  readonly name: string;
  readonly column: AnyColumn;
  /** How the sort value travels in the cursor: instants as epoch milliseconds. */
  readonly kind: 'int' | 'text' | 'instant';
  readonly direction: 'asc' | 'desc';
  /** The row id, to break ties; omitted when `column` is unique within the listing on its own. */
  readonly tieBreaker?: AnyColumn;
  /** The sort value and id of a row, as the cursor carries them. */
  readonly key: (row: R) => { value: string | number; id: string };
}

interface Position {
  value: string | number | Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** No NUL and no unpaired surrogate, as the API's schemas require of stored text. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this refuses
const STORABLE_TEXT = /^[^\u0000\uD800-\uDFFF]*$/u;

const badCursor = () =>
  new ValidationError('the cursor is not one this listing handed out (or belongs to another sort order); start again without `cursor`', {
    details: [{ field: 'querystring.cursor', message: 'is not a valid cursor for this listing' }],
  });

function encode(name: string, key: { value: string | number; id: string }): string {
  return Buffer.from(JSON.stringify({ s: name, v: key.value, id: key.id })).toString('base64url');
}

function decode<R>(order: KeysetOrder<R>, cursor: string): Position {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const { s, v, id } = (data ?? {}) as { s?: unknown; v?: unknown; id?: unknown };
  // Ids are UUIDs and text values are stored text: anything else (a NUL, which PostgreSQL cannot even compare) was
  // made by hand, and is refused here the same way on every dialect.
  if (s !== order.name || typeof id !== 'string' || !UUID.test(id)) throw badCursor();
  if (order.kind === 'text') {
    if (typeof v !== 'string' || !STORABLE_TEXT.test(v)) throw badCursor();
    return { value: v, id };
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw badCursor();
  // Integer sort columns are 32-bit.
  if (order.kind === 'int' && (v < -2_147_483_648 || v > 2_147_483_647)) throw badCursor();
  if (order.kind === 'instant') {
    // Cursors we hand out only carry stored instants; anything else was made by hand.
    if (!storableInstant(v)) throw badCursor();
    const at = new Date(v);
    return { value: at, id };
  }
  return { value: v, id };
}

/** The condition selecting rows after the cursor (undefined without one). Values bind through the column's mapper. */
function after<R>(order: KeysetOrder<R>, at: Position | undefined): SQL | undefined {
  if (at === undefined) return undefined;
  const beyond = order.direction === 'asc' ? gt : lt;
  if (!order.tieBreaker) return beyond(order.column, at.value);
  return or(beyond(order.column, at.value), and(eq(order.column, at.value), beyond(order.tieBreaker, at.id)));
}

/**
 * `after` for a prepared query: the cursor's sort value and id are the placeholders `after` and `afterId`, which
 * `KeysetQuery.values` fills for each page.
 */
export function afterSlots<R>(order: KeysetOrder<R>): SQL {
  const beyond = order.direction === 'asc' ? gt : lt;
  const value = slotFor('after', order.column as AnyColumn);
  if (!order.tieBreaker) return beyond(order.column, value);
  return or(beyond(order.column, value), and(eq(order.column, value), beyond(order.tieBreaker, slot('afterId'))))!;
}

export function orderBy<R>(order: KeysetOrder<R>): SQL[] {
  const dir = order.direction === 'asc' ? asc : desc;
  return order.tieBreaker ? [dir(order.column), dir(order.tieBreaker)] : [dir(order.column)];
}

export interface KeysetQuery<R> {
  /** Extra condition selecting rows past the cursor; AND it into the listing's filters. */
  readonly where: SQL | undefined;
  readonly orderBy: SQL[];
  /** The query's LIMIT, one more than the page size: the extra row tells whether another page follows. */
  readonly fetch: Placeholder;
  /** For a prepared query (see afterSlots): `limit` (the rows to fetch) and, past a cursor, `after` and `afterId`. */
  readonly values: { limit: number; after?: unknown; afterId?: string };
  /** Cuts the fetched rows to the page and makes the cursor for the next one. */
  toPage<V>(rows: R[], view: (row: R) => V): Page<V>;
}

/** What to add to a listing's query for one page. Throws a 400 for a cursor this ordering did not hand out. */
export function keyset<R>(order: KeysetOrder<R>, page: PageRequest): KeysetQuery<R> {
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  const position = page.cursor === undefined ? undefined : decode(order, page.cursor);
  return {
    where: after(order, position),
    orderBy: orderBy(order),
    fetch: rowLimit(limit + 1),
    values: position ? { limit: limit + 1, after: position.value, afterId: position.id } : { limit: limit + 1 },
    toPage(rows, view) {
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return { items: items.map(view), nextCursor: rows.length > limit && last !== undefined ? encode(order.name, order.key(last)) : null };
    },
  };
}

/** The ordering of a listing by a timestamp, ties broken by id: how every listing by time pages. */
export function byInstant<R extends { id: string }>(
  name: string,
  columns: { at: AnyColumn; id: AnyColumn },
  direction: 'asc' | 'desc',
  at: (row: R) => Date,
): KeysetOrder<R> {
  return { name, column: columns.at, kind: 'instant', direction, tieBreaker: columns.id, key: (r) => ({ value: at(r).getTime(), id: r.id }) };
}

/** What a listing adds to its select: the filter, the order and the limit. drizzle's select builders have it. */
interface Listable<R> {
  where(filter: SQL | undefined): { orderBy(...by: SQL[]): { limit(count: Placeholder): Promise<R[]> } };
}

/** One page of the rows `from` selects that match `filter`, in `order`, each shown through `view`. */
export async function listPage<R, V>(
  db: Database,
  from: (q: Queryable) => Listable<R>,
  filter: SQL | undefined,
  order: KeysetOrder<R>,
  page: PageRequest,
  view: (row: R) => V,
): Promise<Page<V>> {
  const k = keyset(order, page);
  const rows = await db.read((q) =>
    from(q)
      .where(and(filter, k.where))
      .orderBy(...k.orderBy)
      .limit(k.fetch),
  );
  return k.toPage(rows, view);
}
