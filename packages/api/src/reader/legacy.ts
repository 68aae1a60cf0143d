import { legacyCellValue, parseNumber } from './cells.js';
import type { PublishedTable } from './table.js';
import type { RowCategory } from './totals.js';

/**
 * One record, keyed by header name and year. A Map, not an object: year keys (`1970`) are array indices to V8,
 * which gives an object holding them a dense backing store from index 0, some 16 KB per record.
 */
export type LegacyRecord = ReadonlyMap<string, string | number>;
/**
 * The original service's JSON: records grouped by category when the file has category rows, a list otherwise.
 * Groups are keyed by published text, so they are a Map: a category named `__proto__` or `constructor` is a
 * category like any other, never a property of Object.prototype.
 */
export type LegacyDocument = LegacyRecord[] | ReadonlyMap<string, LegacyRecord[]>;

/**
 * Rebuilds the original Flask service's answer, but from correctly read data: header names and text as
 * published, one key per year (`YYYY.1` for the second column of a year), empty cells as 0, markers as text.
 */
export function legacyDocument(
  table: PublishedTable,
  categories: readonly RowCategory[] | null,
): LegacyDocument {
  const record = (cells: readonly string[], withControl: boolean): LegacyRecord => {
    const out = new Map<string, string | number>();
    table.header.forEach((name, index) => {
      const cell = cells[index] ?? '';
      if (index === table.controlIndex) {
        if (withControl) out.set(name, cell);
      } else if (index === table.idIndex) {
        out.set(name, parseNumber(cell) ?? cell);
      } else if (index === table.nameIndex) {
        out.set(name, cell);
      }
    });
    for (const column of table.measures)
      out.set(column.legacyKey, legacyCellValue(cells[column.index] ?? '', table.dotted));
    return out;
  };

  if (!categories?.some((c) => c.isTotal)) return table.rows.map((cells) => record(cells, true));

  // Keyed by the total row's control as published (its name when control is empty). Items that precede every
  // total row, if a release ever has them, are kept under the empty key rather than dropped.
  const grouped = new Map<string, LegacyRecord[]>();
  let key = '';
  table.rows.forEach((cells, r) => {
    if (categories[r]?.isTotal) {
      const control = table.controlIndex === null ? '' : (cells[table.controlIndex] ?? '');
      key = control.trim() === '' ? (cells[table.nameIndex] ?? '') : control;
    }
    const records = grouped.get(key) ?? [];
    records.push(record(cells, false));
    grouped.set(key, records);
  });
  return grouped;
}

/**
 * JSON text of a legacy document with every object's keys sorted, as the original service sent them (Python's
 * `sort_keys`). JSON.stringify cannot: it always puts integer-like keys (`1970`) before others (`1970.1`, `Id`).
 */
export function serializeLegacy(document: LegacyDocument): string {
  const list = (records: readonly LegacyRecord[]) => `[${records.map((record) => object(record)).join(',')}]`;
  return Array.isArray(document) ? list(document) : object(document, list);
}

function object<V>(map: ReadonlyMap<string, V>, value: (item: V) => string = JSON.stringify): string {
  const entries = [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${value(item)}`).join(',')}}`;
}
