import type { DatasetFamily } from '@vitibrasil/core';
import { foldText, parseNumber } from './cells.js';
import type { HeaderYearNote, ReadingNotes } from './notes.js';

export interface MeasureColumn {
  readonly index: number;
  readonly year: number;
  /** Import/export files publish each year twice: quantity first, then value in US$. */
  readonly measure: 'quantity' | 'value';
  /** The key the original service used: `1970`, and `1970.1` for the second column of a year (pandas' rule). */
  readonly legacyKey: string;
}

/** What each column of a file holds, and how that was found out. */
export interface Columns {
  /** Header names as published (BOM removed); for a file without header, those of the latest release. */
  readonly header: readonly string[];
  readonly idIndex: number;
  readonly controlIndex: number | null;
  /** produto / cultivar, or the country on import/export files. */
  readonly nameIndex: number;
  readonly measures: readonly MeasureColumn[];
  readonly notes: ReadingNotes;
}

type Fail = (reason: string) => never;

const TRADE_FAMILIES: ReadonlySet<DatasetFamily> = new Set(['importacao', 'exportacao']);
const NAME_HEADERS: Record<'trade' | 'table', ReadonlySet<string>> = {
  trade: new Set(['pais', 'country']),
  table: new Set(['produto', 'cultivar']),
};
const YEAR_HEADER = /^(\d{4})(?:\.\d+)?$/;

/** The first year of every series in every release seen: a file without header counts its years from it. */
const FIRST_YEAR = 1970;

/**
 * The columns before the years in the latest release that has a header (2025-06), in its spelling. A file
 * without header is given them, so its legacy answer keeps the keys clients know (the original service would
 * have taken the first data row for the header).
 */
const LATEST_HEADER: Record<DatasetFamily, readonly string[]> = {
  producao: ['id', 'control', 'produto'],
  processamento: ['id', 'control', 'cultivar'],
  comercializacao: ['id', 'control', 'produto'],
  importacao: ['Id', 'País'],
  exportacao: ['Id', 'País'],
};

const INTEGER_ID = /^\d+$/;

/** Upstream text quoted in a failure message, bounded: the message reaches logs and the catalog. */
export const excerpt = (text: string): string => `'${text.length > 40 ? `${text.slice(0, 40)}…` : text}'`;

/** A data row's id: an integer, as every published row has (a header's is `id`). */
export const isIntegerId = (cell: string | undefined): boolean => INTEGER_ID.test(cell?.trim() ?? '');

/** A header's first cell is `id`; a data row's is its integer id. */
export function startsWithData(record: readonly string[]): boolean {
  return isIntegerId(record[0]);
}

/**
 * What stands where a name must go, when it is not a name: an empty cell, a number, or a marker (`nd`, or text
 * without a letter: `*`, `+`, `-`). Null for a name. Without a header, this is what tells the layout apart: a
 * file without `control` has its first year where the name goes, and that year may hold only markers.
 */
function notAName(cell: string): string | null {
  if (cell === '') return 'an empty cell';
  if (parseNumber(cell) !== null) return `a number (${excerpt(cell)})`;
  if (!/\p{L}/u.test(cell) || foldText(cell) === 'nd') return `a marker (${excerpt(cell)})`;
  return null;
}

/**
 * Years by position, counted from `first`: one column per year, or on import/export files a pair per year,
 * quantity then value (US$). The count must make whole pairs and a range that ends by the current year.
 */
function yearsByPosition(
  indexes: readonly number[],
  first: number,
  trade: boolean,
  fail: Fail,
): MeasureColumn[] {
  if (indexes.length === 0) fail('no year columns');
  const perYear = trade ? 2 : 1;
  const last = first + Math.ceil(indexes.length / perYear) - 1;
  if (indexes.length % perYear !== 0) fail(`year ${last} lacks its value (US$) column`);
  const thisYear = new Date().getUTCFullYear();
  if (last > thisYear) {
    fail(`${indexes.length} year columns from ${first} would run to ${last}, after the current year`);
  }
  return indexes.map((index, k) => {
    const year = first + Math.floor(k / perYear);
    const isValue = k % perYear === 1;
    return {
      index,
      year,
      measure: isValue ? 'value' : 'quantity',
      legacyKey: isValue ? `${year}.1` : String(year),
    };
  });
}

/**
 * Recognises the columns from the header names, matched after folding case, accents and whitespace. Year labels
 * must match their positions, counted from the first year label: one column per year, or a kg/US$ pair per year
 * on import/export files. A label that disagrees is refused, naming the column, since reading on would serve every
 * later year under the wrong one — with one exception, the shape Embrapa published (ImpSuco.csv, 2023–2024, ends
 * `…;2020;2020;2021;2021;2021;2021`): the columns of the last year all labelled as the year before. Those are read
 * by position, and noted.
 */
export function columnsFromHeader(record: readonly string[], family: DatasetFamily, fail: Fail): Columns {
  // A trailing delimiter yields an empty last header name; it carries no data and is ignored.
  let width = record.length;
  while (width > 0 && record[width - 1]?.trim() === '') width--;
  const header = record.slice(0, width);

  const trade = TRADE_FAMILIES.has(family);
  const nameHeaders = NAME_HEADERS[trade ? 'trade' : 'table'];
  let idIndex = -1;
  let controlIndex = -1;
  let nameIndex = -1;
  const yearIndexes: number[] = [];
  const labels: number[] = [];
  for (const [index, name] of header.entries()) {
    const key = foldText(name);
    const claim = (current: number, role: string): number =>
      current === -1 ? index : fail(`header has two ${role} columns (${excerpt(name)})`);
    if (key === 'id') idIndex = claim(idIndex, 'id');
    else if (key === 'control' && !trade) controlIndex = claim(controlIndex, 'control');
    else if (nameHeaders.has(key)) nameIndex = claim(nameIndex, 'name');
    else {
      const match = YEAR_HEADER.exec(key);
      if (!match) fail(`unexpected column ${excerpt(name)} in the header`);
      yearIndexes.push(index);
      labels.push(Number(match?.[1]));
    }
  }
  if (idIndex === -1) fail('header has no id column');
  if (nameIndex === -1) fail(`header has no ${[...nameHeaders].join('/')} column`);

  const first = labels[0] ?? FIRST_YEAR;
  const measures = yearsByPosition(yearIndexes, first, trade, fail);
  const last = measures.at(-1)?.year ?? first;
  const lastLabelledAsPrevious =
    last > first && measures.every((column, k) => column.year !== last || labels[k] === last - 1);
  const headerYears: HeaderYearNote[] = [];
  measures.forEach((column, k) => {
    if (labels[k] === column.year) return;
    const label = (header[column.index] ?? '').trim();
    if (column.year !== last || !lastLabelledAsPrevious) {
      fail(
        `column ${column.index + 1} is labelled ${excerpt(label)} where its position makes it ${column.year}` +
          `${trade ? ` (${column.measure === 'value' ? 'US$' : 'kg'})` : ''}: year columns run from ${first} ` +
          `(column ${(yearIndexes[0] ?? 0) + 1}), ${trade ? 'a kg and a US$ column' : 'one column'} per year`,
      );
    }
    headerYears.push({ column: column.index + 1, label, year: column.year, measure: column.measure });
  });
  return {
    header,
    idIndex,
    controlIndex: controlIndex === -1 ? null : controlIndex,
    nameIndex,
    measures,
    notes: { header: 'published', headerYears },
  };
}

/**
 * The columns of a file that starts with data (published so in 2019–2024): id, control, name, then a column per
 * year on category files; id, country, then a pair per year on import/export files; years from 1970. Every row
 * must have an integer id and a name (text, never empty, a number or a marker) in the name column, or the layout
 * is not this one and the file is refused.
 */
export function columnsByPosition(
  rows: readonly (readonly string[])[],
  family: DatasetFamily,
  fail: Fail,
): Columns {
  const trade = TRADE_FAMILIES.has(family);
  const names = LATEST_HEADER[family];
  const nameIndex = names.length - 1;
  let used = 0;
  let widest = 0;
  rows.forEach((row, i) => {
    if (!isIntegerId(row[0])) {
      fail(
        `no header, and line ${i + 1} does not start with an integer id (${excerpt(row[0]?.trim() ?? '')})`,
      );
    }
    const found = notAName(row[nameIndex]?.trim() ?? '');
    if (found !== null) {
      fail(
        `no header, and line ${i + 1} has ${found} in column ${nameIndex + 1}, the name's place in the layout ${names.join(', ')}, years`,
      );
    }
    used = Math.max(used, row.findLastIndex((cell) => cell.trim() !== '') + 1);
    widest = Math.max(widest, row.length);
  });
  // Columns after the last cell that holds anything carry no data (a trailing delimiter, a year not filled in):
  // no year is made of them, but a year's pair is kept whole when the lines have its second column.
  const perYear = trade ? 2 : 1;
  const wanted = Math.ceil(Math.max(0, used - names.length) / perYear) * perYear;
  const yearCount = Math.max(0, Math.min(wanted, widest - names.length));
  const indexes = Array.from({ length: yearCount }, (_, k) => names.length + k);
  const measures = yearsByPosition(indexes, FIRST_YEAR, trade, fail);
  return {
    header: [...names, ...measures.map((column) => String(column.year))],
    idIndex: 0,
    controlIndex: trade ? null : 1,
    nameIndex,
    measures,
    notes: { header: 'absent', headerYears: [] },
  };
}
