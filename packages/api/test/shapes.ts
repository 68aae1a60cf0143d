import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DatasetDefinition, type DatasetId, getDataset, type TidyRow } from '@vitibrasil/core';
import { expect } from 'vitest';
import { SNAPSHOT_DIR } from './snapshot.js';

/*
 * The shapes Embrapa published in 2019–2024, generated from the bundled 2025-06 files (which hold no quotes, so a
 * line splits exactly on its delimiter), and a reference reading of published cells that shares no code with
 * the reader.
 */

/** A bundled file as lines of cells. */
export interface Grid {
  readonly delimiter: '\t' | ';';
  readonly lines: string[][];
}

export function bundledGrid(id: DatasetId): Grid {
  const text = readFileSync(join(SNAPSHOT_DIR, getDataset(id).file), 'utf8');
  const delimiter = text.slice(0, text.indexOf('\n')).includes('\t') ? '\t' : ';';
  const lines = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(delimiter));
  return { delimiter, lines };
}

export const textOf = (grid: Grid): string =>
  `${grid.lines.map((line) => line.join(grid.delimiter)).join('\n')}\n`;

const fixedColumns = (dataset: DatasetDefinition): number => (dataset.hasValue ? 2 : 3);

/** The file as the 2023–2024 Comercio.csv and older releases were: no header line, data from the first line. */
export const headerless = (grid: Grid): Grid => ({ ...grid, lines: grid.lines.slice(1) });

/** Only the years up to `last` (ImpSuco.csv of 2023 ended in 2022). */
export function endingIn(grid: Grid, dataset: DatasetDefinition, last: number): Grid {
  const [header = []] = grid.lines;
  const keep = header.findLastIndex((label) => Number(label) === last) + 1;
  expect(keep, `year ${last} in the header`).toBeGreaterThan(fixedColumns(dataset));
  return { ...grid, lines: grid.lines.map((line) => line.slice(0, keep)) };
}

/** The last year's header labels replaced by the year before's (`…;2021;2021;2021;2021` in ImpSuco.csv). */
export function mislabelledLastYear(grid: Grid, dataset: DatasetDefinition): Grid {
  const [header = [], ...data] = grid.lines;
  const perYear = dataset.hasValue ? 2 : 1;
  const last = Number(header.at(-1));
  const relabelled = [...header.slice(0, -perYear), ...Array<string>(perYear).fill(String(last - 1))];
  return { ...grid, lines: [relabelled, ...data] };
}

/** A copy with one cell (line 0 is the first line of the file) replaced. */
export function withCell(grid: Grid, line: number, column: number, text: string): Grid {
  return {
    ...grid,
    lines: grid.lines.map((cells, i) =>
      i === line ? cells.map((c, j) => (j === column ? text : c)) : cells,
    ),
  };
}

/** A copy without one column (Producao.csv of 2023–2024 had no `control`). */
export const withoutColumn = (grid: Grid, column: number): Grid => ({
  ...grid,
  lines: grid.lines.map((cells) => cells.filter((_, j) => j !== column)),
});

/** The published text of a cell, read the way a person reads Embrapa's figures. */
function reference(cell: string): { value: number | null; flag: string | null } {
  const text = cell.trim();
  if (text === '') return { value: null, flag: null };
  if (/^-?\d+$/.test(text)) return { value: Number(text), flag: null };
  if (/^-?\d+,\d+$/.test(text)) return { value: Number(text.replace(',', '.')), flag: null };
  return { value: null, flag: text };
}

/**
 * Checks tidy rows cell by cell against the published cells of a file with its header as published in 2025-06:
 * the year of each column is its label, the tidy rows come line by line and year by year.
 */
export function expectPublishedNumbers(
  rows: readonly TidyRow[],
  dataset: DatasetDefinition,
  grid: Grid,
): void {
  const [header = [], ...data] = grid.lines;
  const fixed = fixedColumns(dataset);
  const perYear = dataset.hasValue ? 2 : 1;
  const years = (header.length - fixed) / perYear;
  expect(rows).toHaveLength(data.length * years);
  data.forEach((cells, r) => {
    for (let y = 0; y < years; y++) {
      const row = rows[r * years + y];
      const column = fixed + y * perYear;
      const quantity = reference(cells[column] ?? '');
      const value = dataset.hasValue ? reference(cells[column + 1] ?? '') : { value: null, flag: null };
      const where = `${dataset.file} line ${r + 2}, column ${column + 1}`;
      expect(
        {
          year: row?.year,
          name: dataset.hasValue ? row?.country : (row?.item ?? row?.category),
          quantity: row?.quantity,
          quantity_flag: row?.quantity_flag,
          value_usd: row?.value_usd,
          value_flag: row?.value_flag,
        },
        where,
      ).toEqual({
        year: Number(header[column]),
        name: (cells[fixed - 1] ?? '').replace(/\s+/g, ' ').trim(),
        quantity: quantity.value,
        quantity_flag: quantity.flag,
        value_usd: value.value,
        value_flag: value.flag,
      });
    }
  });
}
