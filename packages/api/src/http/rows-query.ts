import { createHash } from 'node:crypto';
import { TIDY_COLUMNS } from '@vitibrasil/core';
import { z } from 'zod';
import { BodyBuilder } from '../data/body-builder.js';
import type { CachedBody } from '../data/cached-body.js';
import { csvLine } from '../data/csv.js';
import type { DatasetSnapshot, NameField } from '../data/snapshot.js';
import { InvalidParameter, StaleCursor } from '../errors.js';
import { foldText } from '../reader/cells.js';
import type { RowsPage } from './openapi/schemas.js';

const year = z
  .string()
  .regex(/^\d{4}$/, 'must be a four-digit year')
  .transform(Number);
const text = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/** Query parameters of GET /v1/datasets/{dataset}/rows. Unknown parameters are rejected, not ignored. */
export const RowsQuerySchema = z
  .object({
    year: year.optional(),
    year_from: year.optional(),
    year_to: year.optional(),
    category: text.optional(),
    item: text.optional(),
    country: text.optional(),
    is_total: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
    limit: z
      .string()
      // Bounds in the pattern itself, so the OpenAPI document (generated from this schema) states them too.
      .regex(/^(?:[1-9]\d{0,3}|10000)$/, 'must be an integer from 1 to 10000')
      .transform(Number)
      .optional(),
    cursor: z
      .string()
      .regex(/^[\w-]{1,200}$/, 'is not a cursor returned by this API')
      .optional(),
    format: z.enum(['json', 'ndjson', 'csv'], { error: 'must be json, ndjson or csv' }).optional(),
  })
  .strict()
  .refine((q) => q.year_from === undefined || q.year_to === undefined || q.year_from <= q.year_to, {
    message: 'must not be after year_to',
    path: ['year_from'],
  })
  .refine((q) => q.format === undefined || q.format === 'json' || q.limit === undefined, {
    message: 'applies to format=json only (ndjson and csv return the whole result)',
    path: ['limit'],
  })
  .refine((q) => q.format === undefined || q.format === 'json' || q.cursor === undefined, {
    message: 'applies to format=json only (ndjson and csv return the whole result)',
    path: ['cursor'],
  });

export type RowsQuery = z.infer<typeof RowsQuerySchema>;

interface Cursor {
  readonly version: string;
  readonly filter: string;
  readonly offset: number;
}

const encodeCursor = (cursor: Cursor): string =>
  Buffer.from(`${cursor.version}.${cursor.filter}.${cursor.offset}`).toString('base64url');

function decodeCursor(token: string, version: string, filter: string): number {
  const [v, f, o] = Buffer.from(token, 'base64url').toString().split('.');
  const offset = Number(o);
  if (!v || !f || !Number.isSafeInteger(offset) || offset < 0 || f !== filter) {
    throw new InvalidParameter([{ name: 'cursor', reason: 'is not a cursor returned for this query' }]);
  }
  if (v !== version)
    throw new StaleCursor('the dataset changed since this cursor was issued; start again without cursor');
  return offset;
}

/** Which distinct texts a text filter accepts; undefined when the query has no such filter. */
const accepted = (snapshot: DatasetSnapshot, field: NameField, value: string | undefined) =>
  value === undefined ? undefined : snapshot.namesFoldingTo(field, foldText(value));

/** Passes a text column's value: the filter is absent, or accepts the text (null never matches a filter). */
const passes = (texts: Uint8Array | undefined, at: number | undefined): boolean =>
  texts === undefined || (at !== undefined && at >= 0 && texts[at] === 1);

/** Indices of the rows that pass the filters, in published order. */
function select(snapshot: DatasetSnapshot, query: RowsQuery): Int32Array {
  const lower = Math.max(query.year ?? Number.NEGATIVE_INFINITY, query.year_from ?? Number.NEGATIVE_INFINITY);
  const upper = Math.min(query.year ?? Number.POSITIVE_INFINITY, query.year_to ?? Number.POSITIVE_INFINITY);
  // Texts are folded only when a text filter asks for them, each distinct text once per version.
  const category = accepted(snapshot, 'category', query.category);
  const item = accepted(snapshot, 'item', query.item);
  const country = accepted(snapshot, 'country', query.country);
  const isTotal = query.is_total === undefined ? undefined : query.is_total === 'true' ? 1 : 0;
  const c = snapshot.columns;
  const indices = new Int32Array(c.length);
  let count = 0;
  for (let i = 0; i < c.length; i++) {
    const year = c.year[i] as number;
    if (year < lower || year > upper) continue;
    if (!passes(category, c.category[i]) || !passes(item, c.item[i]) || !passes(country, c.country[i]))
      continue;
    if (isTotal !== undefined && c.isTotal[i] !== isTotal) continue;
    indices[count++] = i;
  }
  return indices.subarray(0, count);
}

/** Rows serialized between two looks at the clock (see BodyBuilder.pause). */
const ROWS_PER_PAUSE = 512;

/** Every selected row, one line each, built in slices. */
async function linesBody(
  indices: Int32Array,
  line: (index: number) => string,
  builder: BodyBuilder,
  separator: string,
): Promise<void> {
  for (let n = 0; n < indices.length; n++) {
    builder.write(`${line(indices[n] as number)}${separator}`);
    if (n % ROWS_PER_PAUSE === ROWS_PER_PAUSE - 1) await builder.pause();
  }
}

/**
 * The response body for a query on one data version, built once and kept: JSON pages with an opaque cursor,
 * or the whole filtered result as NDJSON or CSV. Large bodies are built in slices, letting other requests in.
 */
export function rowsBody(snapshot: DatasetSnapshot, query: RowsQuery): Promise<CachedBody> {
  const { cursor, limit = 1000, format = 'json', ...filters } = query;
  // Folded text and the dataset id in the key: `ARGENTINA` and `argentina` share a body, and a cursor from another
  // dataset is recognised as foreign rather than stale.
  const folded = Object.entries(filters)
    .map(([name, value]) => [
      name,
      typeof value === 'string' && name !== 'is_total' ? foldText(value) : value,
    ])
    .sort(([a], [b]) => String(a).localeCompare(String(b)));
  const filterKey = JSON.stringify([snapshot.dataset.id, folded]);
  const filterTag = createHash('sha256').update(filterKey).digest('base64url').slice(0, 10);
  const offset = cursor === undefined ? 0 : decodeCursor(cursor, snapshot.versionTag, filterTag);
  const key = `${format}|${filterKey}|${format === 'json' ? `${offset}|${limit}` : ''}`;
  return snapshot.body(key, async () => {
    const indices = select(snapshot, query);
    const builder = new BodyBuilder();
    if (format === 'ndjson') {
      await linesBody(indices, (i) => snapshot.rowJson(i), builder, '\n');
      return builder.finish('application/x-ndjson; charset=utf-8', { effort: 'fast' });
    }
    if (format === 'csv') {
      builder.write(`${csvLine(TIDY_COLUMNS)}\r\n`);
      await linesBody(indices, (i) => snapshot.rowCsv(i), builder, '\r\n');
      return builder.finish('text/csv; charset=utf-8; header=present', { effort: 'fast' });
    }
    const page = indices.subarray(offset, offset + limit);
    const nextOffset = offset + page.length;
    const nextCursor =
      nextOffset < indices.length
        ? encodeCursor({ version: snapshot.versionTag, filter: filterTag, offset: nextOffset })
        : null;
    // Typed by the documented page schema: the rows are spliced in below as already-serialized JSON.
    const header: Omit<RowsPage, 'rows'> = {
      dataset: snapshot.dataset.id,
      content_hash: snapshot.contentHash,
      total: indices.length,
      offset,
      limit,
      next_cursor: nextCursor,
    };
    builder.write(`${JSON.stringify(header).slice(0, -1)},"rows":[`);
    for (const [n, i] of page.entries())
      builder.write(n === 0 ? snapshot.rowJson(i) : `,${snapshot.rowJson(i)}`);
    builder.write(']}');
    return builder.finish('application/json; charset=utf-8', { nextCursor, effort: 'fast' });
  });
}
