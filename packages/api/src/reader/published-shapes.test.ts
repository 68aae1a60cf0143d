import { DATASETS, type DatasetId, getDataset, type TidyRow } from '@vitibrasil/core';
import { describe, expect, it } from 'vitest';
import {
  bundledGrid,
  endingIn,
  expectPublishedNumbers,
  type Grid,
  headerless,
  mislabelledLastYear,
  textOf,
  withCell,
  withoutColumn,
} from '../../test/shapes.js';
import { MalformedUpstreamFile } from '../errors.js';
import { readDataset } from './read-dataset.js';

const read = (id: DatasetId, text: string | Buffer, lengthVerified = true) =>
  readDataset(getDataset(id), typeof text === 'string' ? Buffer.from(text) : text, { lengthVerified });
const readGrid = (id: DatasetId, grid: Grid) => read(id, textOf(grid));
const refuses = (id: DatasetId, text: string, reason: RegExp, lengthVerified = true) => {
  expect(() => read(id, text, lengthVerified)).toThrow(MalformedUpstreamFile);
  expect(() => read(id, text, lengthVerified)).toThrow(reason);
};
const PUBLISHED = { header: 'published', headerYears: [] } as const;

describe('files without a header line (Comercio.csv 2023–2024, Producao.csv 2023, older releases)', () => {
  it.each(DATASETS.map((d) => [d.id, d] as const))(
    '%s: the same rows, header names and legacy answer as with its header',
    (id, dataset) => {
      const grid = bundledGrid(id);
      const original = readGrid(id, grid);
      const read = readGrid(id, headerless(grid));
      expect(read.notes).toEqual({ header: 'absent', headerYears: [] });
      expectPublishedNumbers(read.rows, dataset, grid);
      expect(read.rows).toEqual(original.rows);
      // The names of the latest release's header, so the legacy answer has the keys clients know.
      expect(read.table.header).toEqual(grid.lines[0]);
      expect(read.legacy).toEqual(original.legacy);
    },
  );

  it('reads the same with a BOM, CRLF, Windows-1252 and a delimiter ending every line', () => {
    const grid = bundledGrid('exportacao_vinho');
    const expected = readGrid('exportacao_vinho', grid).rows;
    const text = textOf(headerless(grid));
    const variants = {
      bom: `\ufeff${text}`,
      crlf: text.replaceAll('\n', '\r\n'),
      trailingDelimiter: text.replaceAll('\n', '\t\n'),
    };
    for (const [name, variant] of Object.entries(variants)) {
      expect(read('exportacao_vinho', variant).rows, name).toEqual(expected);
    }
    const windows1252 = read('exportacao_vinho', Buffer.from(text, 'latin1'));
    expect(windows1252.table.encoding).toBe('windows-1252');
    expect(windows1252.rows).toEqual(expected);
  });

  it('makes no year of a last column empty on every line, but keeps a year whose US$ column is empty', () => {
    const producao = headerless(bundledGrid('producao'));
    const blank = { ...producao, lines: producao.lines.map((cells) => [...cells.slice(0, -1), '']) };
    const original = readGrid('producao', bundledGrid('producao')).rows;
    expect(readGrid('producao', blank).rows).toEqual(original.filter((row) => row.year < 2023));

    const suco = headerless(bundledGrid('importacao_suco'));
    const noValue = { ...suco, lines: suco.lines.map((cells) => [...cells.slice(0, -1), '']) };
    const read = readGrid('importacao_suco', noValue).rows;
    expect(read).toEqual(
      readGrid('importacao_suco', bundledGrid('importacao_suco')).rows.map((row) =>
        row.year === 2024 ? { ...row, value_usd: null, value_flag: null } : row,
      ),
    );
  });

  it('refuses what is not that layout: too many years, half pairs, numbers where names go, a stray header', () => {
    const producao = headerless(bundledGrid('producao'));
    const extraYears = new Date().getUTCFullYear() - 2023 + 1;
    const tooMany = { ...producao, lines: producao.lines.map((c) => [...c, ...Array(extraYears).fill('0')]) };
    refuses('producao', textOf(tooMany), /year columns from 1970 would run to \d{4}, after the current year/);

    const suco = headerless(bundledGrid('importacao_suco'));
    const halfPair = { ...suco, lines: suco.lines.map((cells) => cells.slice(0, -1)) };
    refuses('importacao_suco', textOf(halfPair), /year 2024 lacks its value \(US\$\) column/);

    // Producao.csv without `control` and without header: the third column holds 1970's figures, not names.
    const noControl = withoutColumn(producao, 1);
    refuses(
      'producao',
      textOf(noControl),
      /line 1 has a number \('217208604'\) in column 3, the name's place in the layout id, control, produto/,
    );

    const [header = []] = bundledGrid('producao').lines;
    const stray = { ...producao, lines: [...producao.lines.slice(0, 9), header, ...producao.lines.slice(9)] };
    refuses('producao', textOf(stray), /line 10 does not start with an integer id \('id'\)/);
  });

  it('refuses an empty or marker-only name, and a file without `control` whose first year has no number', () => {
    const producao = headerless(bundledGrid('producao'));
    refuses(
      'producao',
      textOf(withCell(producao, 4, 2, '')),
      /line 5 has an empty cell in column 3, the name's place/,
    );
    refuses('producao', textOf(withCell(producao, 4, 2, ' * ')), /line 5 has a marker \('\*'\) in column 3/);
    const suco = headerless(bundledGrid('importacao_suco'));
    refuses(
      'importacao_suco',
      textOf(withCell(suco, 0, 1, '')),
      /line 1 has an empty cell in column 2, the name's place in the layout Id, País/,
    );

    // Without `control`, 1970 falls where the name goes: all `nd`, or all empty, it must not pass for names.
    const noControl = withoutColumn(producao, 1);
    for (const marker of ['nd', '', 'ND']) {
      const blank = {
        ...noControl,
        lines: noControl.lines.map((cells) => cells.map((c, j) => (j === 2 ? marker : c))),
      };
      refuses(
        'producao',
        textOf(blank),
        /line 1 has (a marker \('nd'\)|a marker \('ND'\)|an empty cell) in column 3/,
      );
    }
  });

  it('still refuses ragged rows inside the data and a body cut inside its last cell', () => {
    const producao = headerless(bundledGrid('producao'));
    const ragged = { ...producao, lines: producao.lines.map((c, i) => (i === 4 ? c.slice(0, -1) : c)) };
    refuses('producao', textOf(ragged), /line 5 has 56 of 57 fields/);
    const text = textOf(producao);
    refuses('producao', text.slice(0, -3), /may be truncated/, false);
  });
});

describe('year labels that disagree with their position (ImpSuco.csv 2023–2024)', () => {
  const suco = getDataset('importacao_suco');

  it('reads the 2023 release shape (…;2020;2020;2021;2021;2021;2021) by position and notes it', () => {
    const labelled = endingIn(bundledGrid('importacao_suco'), suco, 2022);
    expect(labelled.lines[0]?.slice(-6)).toEqual(['2020', '2020', '2021', '2021', '2022', '2022']);
    const mislabelled = mislabelledLastYear(labelled, suco);
    expect(mislabelled.lines[0]?.slice(-6)).toEqual(['2020', '2020', '2021', '2021', '2021', '2021']);

    const read = readGrid('importacao_suco', mislabelled);
    expectPublishedNumbers(read.rows, suco, labelled);
    expect(read.notes).toEqual({
      header: 'published',
      headerYears: [
        { column: 107, label: '2021', year: 2022, measure: 'quantity' },
        { column: 108, label: '2021', year: 2022, measure: 'value' },
      ],
    });
    const bundled = readGrid('importacao_suco', bundledGrid('importacao_suco'));
    expect(read.rows).toEqual(bundled.rows.filter((row) => row.year <= 2022));
    // Legacy keys follow the years read: 2022 and 2022.1, not a third and fourth 2021.
    expect(read.legacy).toEqual(readGrid('importacao_suco', labelled).legacy);
    const record = Object.fromEntries((Array.isArray(read.legacy) && read.legacy[11]) || []);
    expect(record).toMatchObject({ País: 'Estados Unidos', '2022': 29414, '2022.1': 16781 });
    expect(Object.keys(record)).not.toContain('2021.2');
  });

  it('reads a mislabelled last year of a category file by position too', () => {
    const producao = getDataset('producao');
    const grid = bundledGrid('producao');
    const read = readGrid('producao', mislabelledLastYear(grid, producao));
    expectPublishedNumbers(read.rows, producao, grid);
    expect(read.notes.headerYears).toEqual([{ column: 57, label: '2022', year: 2023, measure: 'quantity' }]);
  });

  it.each([
    [
      'a typo in the first label',
      (years: string[]) => ['1969', ...years.slice(1)],
      /column 5 is labelled '1971' where its position makes it 1970: year columns run from 1969 \(column 4\)/,
    ],
    [
      'a far typo in the first label',
      (years: string[]) => ['1907', ...years.slice(1)],
      /column 5 is labelled '1971' where its position makes it 1908/,
    ],
    [
      'a year skipped',
      (years: string[]) => years.map((y) => (Number(y) >= 2000 ? String(Number(y) + 1) : y)),
      /column 34 is labelled '2001' where its position makes it 2000/,
    ],
    [
      'a year labelled twice',
      (years: string[]) => years.map((y) => (y === '2001' ? '2000' : y)),
      /column 35 is labelled '2000' where its position makes it 2001/,
    ],
    [
      'the last year labelled as the one before, and another',
      (years: string[]) => [...years.slice(0, -2), '2021', '2022'],
      /column 56 is labelled '2021' where its position makes it 2022/,
    ],
  ])('refuses %s (a category file), naming the column and its label', (_, relabel, reason) => {
    const [header = [], ...data] = bundledGrid('producao').lines;
    const labels = [...header.slice(0, 3), ...relabel(header.slice(3))];
    refuses('producao', textOf({ delimiter: ';', lines: [labels, ...data] }), reason);
  });

  it('refuses a year published twice, header and data: every later year would shift', () => {
    const grid = bundledGrid('producao');
    const column = (grid.lines[0] ?? []).indexOf('2000');
    const twice = {
      ...grid,
      lines: grid.lines.map((cells) => [...cells.slice(0, column + 1), ...cells.slice(column)]),
    };
    refuses(
      'producao',
      textOf(twice),
      new RegExp(`column ${column + 2} is labelled '2000' where its position makes it 2001`),
    );
  });

  it.each([
    [
      'a pair labelled as the year before in the middle',
      (h: string[]) => h.map((l, i) => (i >= 62 && i < 64 ? '1999' : l)),
      /column 63 is labelled '1999' where its position makes it 2000 \(kg\): year columns run from 1970 \(column 3\), a kg and a US\$ column per year/,
    ],
    [
      'only the US$ column of the last pair labelled as the year before',
      (h: string[]) => [...h.slice(0, -1), '2023'],
      /column 112 is labelled '2023' where its position makes it 2024 \(US\$\)/,
    ],
    [
      'a year left out (its pair gone, header and data)',
      null,
      /column 63 is labelled '2001' where its position makes it 2000 \(kg\)/,
    ],
  ])('refuses %s (an import file)', (_, relabel, reason) => {
    const grid = bundledGrid('importacao_suco');
    const [header = [], ...data] = grid.lines;
    expect(header.slice(62, 64)).toEqual(['2000', '2000']);
    const lines = relabel
      ? [relabel(header), ...data]
      : grid.lines.map((cells) => cells.filter((_, i) => i !== 62 && i !== 63));
    refuses('importacao_suco', textOf({ delimiter: ';', lines }), reason);
  });

  it('refuses labels whose positions would run past the current year', () => {
    const [header = [], ...data] = bundledGrid('producao').lines;
    const descending = [...header.slice(0, 3), ...header.slice(3).reverse()];
    refuses('producao', textOf({ delimiter: ';', lines: [descending, ...data] }), /after the current year/);
  });
});

describe('Producao.csv without `control` (2023–2024)', () => {
  it('reads the upper-case names as totals and keeps Tinto, Branco, Rosado apart by category', () => {
    const grid = bundledGrid('producao');
    const withoutControl = withoutColumn(grid, 1);
    expect(withoutControl.lines[0]?.slice(0, 3)).toEqual(['id', 'produto', '1970']);
    const read = readGrid('producao', withoutControl);
    expect(read.notes).toEqual(PUBLISHED);
    expect(read.table.controlIndex).toBeNull();
    expect(read.rows).toEqual(readGrid('producao', grid).rows);
    const tinto = read.rows.filter((row) => row.item === 'Tinto' && row.year === 2023);
    expect(tinto.map((row) => [row.category, row.quantity])).toEqual([
      ['VINHO DE MESA', 139320884],
      ['VINHO FINO DE MESA (VINIFERA)', 23615783],
    ]);
  });
});

describe('empty trailing cells', () => {
  it('reads an import line ending `;;` as an empty quantity and value, not a ragged row', () => {
    const dataset = getDataset('importacao_suco');
    const grid = bundledGrid('importacao_suco');
    const outros = grid.lines.findIndex((cells) => cells[1] === 'Outros');
    const width = grid.lines[0]?.length ?? 0;
    const emptied = withCell(withCell(grid, outros, width - 2, ''), outros, width - 1, '');
    expect(textOf(emptied)).toContain(`${outros};Outros;`);
    expect(textOf(emptied).split('\n')[outros]?.endsWith(';;')).toBe(true);
    const read = readGrid('importacao_suco', emptied);
    expectPublishedNumbers(read.rows, dataset, emptied);
    expect(read.rows.find((row) => row.country === 'Outros' && row.year === 2024)).toMatchObject({
      quantity: null,
      quantity_flag: null,
      value_usd: null,
      value_flag: null,
    });
    const last = Object.fromEntries((Array.isArray(read.legacy) && read.legacy.at(-1)) || []);
    expect(last).toMatchObject({ '2024': 0, '2024.1': 0 });
  });

  it('reads the ImpSuco.csv 2023 shape whole: mislabelled last pair and an empty last pair, without header too', () => {
    const dataset = getDataset('importacao_suco');
    const labelled = endingIn(bundledGrid('importacao_suco'), dataset, 2022);
    const last = labelled.lines.length - 1;
    const width = labelled.lines[0]?.length ?? 0;
    const emptied = withCell(withCell(labelled, last, width - 2, ''), last, width - 1, '');
    const withHeader = readGrid('importacao_suco', mislabelledLastYear(emptied, dataset));
    expectPublishedNumbers(withHeader.rows, dataset, emptied);
    const withoutHeader = readGrid('importacao_suco', headerless(emptied));
    expectPublishedNumbers(withoutHeader.rows, dataset, emptied);
  });
});

describe('dotted values (thousands) in a file whose decimals are commas', () => {
  const grid = bundledGrid('processamento_viniferas');
  const column = (grid.lines[0] ?? []).indexOf('2023');
  const original = readGrid('processamento_viniferas', grid).rows;
  const years = 2023 - 1970 + 1;
  // Rows of the generated cells: TINTAS 2023 (line 1) and the next row's 2023 (line 2).
  const withCells = (first: string, second: string | null) =>
    readGrid(
      'processamento_viniferas',
      withCell(second === null ? grid : withCell(grid, 2, column, second), 1, column, first),
    );
  const expectRows = (rows: readonly TidyRow[], first: Partial<TidyRow>, second: Partial<TidyRow> = {}) =>
    expect(rows).toEqual(
      original.map((row, i): TidyRow => {
        if (i === years - 1) return { ...row, ...first };
        if (i === 2 * years - 1) return { ...row, ...second };
        return row;
      }),
    );

  it('reads ` 4.441 ` as 4441 when every dotted value of the file is a thousands pattern', () => {
    expect(grid.lines[1]?.[column]).toBe('35881118,23'); // the file's decimals are commas
    const read = withCells(' 4.441 ', '1.234.567');
    expectRows(read.rows, { quantity: 4441 }, { quantity: 1234567 });
    expect(read.table.dotted).toBe('thousands');
    expect(read.rows[years - 1]).toMatchObject({
      category: 'TINTAS',
      is_total: true,
      year: 2023,
      quantity: 4441,
    });
  });

  it.each(['0.500', '012.345', '0.5', '.441', '4.4410'])(
    'keeps %j as text: a thousands group never starts the number with 0, and groups are three digits',
    (cell) => {
      const read = withCells(cell, null);
      expectRows(read.rows, { quantity: null, quantity_flag: cell });
      expect(read.table.dotted).toBe('text');
    },
  );

  it('keeps every dotted value as text, ` 4.441 ` included, in a file that also has `12.34`: the dots are ambiguous', () => {
    const read = withCells(' 4.441 ', '12.34');
    expectRows(
      read.rows,
      { quantity: null, quantity_flag: '4.441' },
      { quantity: null, quantity_flag: '12.34' },
    );
    const tintas = Array.isArray(read.legacy) ? undefined : read.legacy.get('TINTAS')?.[0];
    expect(tintas?.get('2023')).toBe(' 4.441 ');
  });
});
