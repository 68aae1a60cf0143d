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
const excerpt = (text: string): string => `'${text.length > 40 ? `${text.slice(0, 40)}…` : text}'`;

/** A header's first cell is `id`; a data row's is its integer id. */
export function startsWithData(record: readonly string[]): boolean {
  return INTEGER_ID.test(record[0]?.trim() ?? '');
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
 * Recognises the columns from the header names, matched after folding case, accents and whitespace. Year
 * columns are read by position from the first year label: a label has been published wrong (ImpSuco.csv,
 * 2023–2024, labels its last pair 2021 instead of 2022), so labels that disagree are noted, not trusted.
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

  const measures = yearsByPosition(yearIndexes, labels[0] ?? FIRST_YEAR, trade, fail);
  const headerYears = measures.flatMap((column, k): HeaderYearNote[] =>
    labels[k] === column.year
      ? []
      : [
          {
            column: column.index + 1,
            label: (header[column.index] ?? '').trim(),
            year: column.year,
            measure: column.measure,
          },
        ],
  );
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
 * must have an integer id and text in the name column, or the layout is not this one and the file is refused.
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
    const id = row[0]?.trim() ?? '';
    if (!INTEGER_ID.test(id))
      fail(`no header, and line ${i + 1} does not start with an integer id (${excerpt(id)})`);
    const name = row[nameIndex]?.trim() ?? '';
    if (parseNumber(name) !== null) {
      fail(
        `no header, and line ${i + 1} has a number (${excerpt(name)}) in column ${nameIndex + 1}, the name's place in the layout ${names.join(', ')}, years`,
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
