import type { DatasetDefinition, TidyRow } from '@vitibrasil/core';
import { normalizeWhitespace, parseMeasure } from './cells.js';
import type { PublishedTable } from './table.js';
import type { RowCategory } from './totals.js';

/**
 * One row per published row and year. Markers and empty cells stay null with their text in the flag;
 * a missing value is never turned into 0.
 */
export function tidyRows(
  dataset: DatasetDefinition,
  table: PublishedTable,
  categories: readonly RowCategory[] | null,
): TidyRow[] {
  const quantityColumns = table.measures.filter((column) => column.measure === 'quantity');
  const valueColumn = new Map(
    table.measures
      .filter((column) => column.measure === 'value')
      .map((column) => [column.year, column.index]),
  );
  const rows: TidyRow[] = [];
  table.rows.forEach((cells, r) => {
    const name = normalizeWhitespace(cells[table.nameIndex] ?? '');
    const placement = categories?.[r];
    for (const column of quantityColumns) {
      const quantity = parseMeasure(cells[column.index] ?? '', table.dotted);
      const valueIndex = valueColumn.get(column.year);
      const value = valueIndex === undefined ? null : parseMeasure(cells[valueIndex] ?? '', table.dotted);
      rows.push({
        dataset: dataset.id,
        category: placement?.category ?? null,
        item: dataset.hasValue || placement?.isTotal ? null : name,
        country: dataset.hasValue ? name : null,
        year: column.year,
        quantity: quantity.value,
        quantity_flag: quantity.flag,
        value_usd: value?.value ?? null,
        value_flag: value?.flag ?? null,
        unit: dataset.unit,
        is_total: placement?.isTotal ?? false,
      });
    }
  });
  return rows;
}
