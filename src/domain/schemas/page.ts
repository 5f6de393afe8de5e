// Listings page with a cursor: the querystring every listing accepts and the shape of a page.
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { NullableString } from './common.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** The paging fields of a listing's querystring, for listings that add filters of their own. */
export const pageFields = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: `page size, at most ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})` })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'nextCursor of the previous page' })),
};

/** The querystring of a listing that only pages. */
export const PageQuery = Type.Object(pageFields, { additionalProperties: false });
export type PageRequest = Static<typeof PageQuery>;

export function PageOf<T extends TSchema>(item: T) {
  // A page of a named item is named too (TaskPage), so a generated client has one type per listing.
  return Type.Object(
    {
      items: Type.Array(item),
      nextCursor: NullableString({ description: 'pass back as `cursor` for the next page; null on the last page' }),
    },
    typeof item.title === 'string' ? { title: `${item.title}Page` } : {},
  );
}
/** A page of `T`: the type of PageOf's schema for any item type. */
export type Page<T> = Static<ReturnType<typeof PageOf<TUnsafe<T>>>>;
