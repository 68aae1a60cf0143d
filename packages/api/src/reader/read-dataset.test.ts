import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, type DatasetId, getDataset, type TidyRow, TidyRowSchema } from '@vitibrasil/core';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_DIR } from '../../test/snapshot.js';
import { readDataset } from './read-dataset.js';

const bytesOf = (id: DatasetId) => readFileSync(join(SNAPSHOT_DIR, getDataset(id).file));
const read = (id: DatasetId, bytes: Buffer = bytesOf(id)) =>
  readDataset(getDataset(id), bytes, { lengthVerified: false });

function find(rows: readonly TidyRow[], match: Partial<TidyRow>): TidyRow {
  const found = rows.filter((row) => Object.entries(match).every(([k, v]) => row[k as keyof TidyRow] === v));
  expect(found, JSON.stringify(match)).toHaveLength(1);
  return found[0] as TidyRow;
}

// Published rows, years and delimiter of each file in the 2025-06 snapshot.
const EXPECTED: Record<
  DatasetId,
  { rows: number; years: [number, number]; delimiter: '\t' | ';'; totals: number }
> = {
  producao: { rows: 51, years: [1970, 2023], delimiter: ';', totals: 4 },
  processamento_viniferas: { rows: 139, years: [1970, 2023], delimiter: ';', totals: 2 },
  processamento_americanas: { rows: 62, years: [1970, 2023], delimiter: '\t', totals: 2 },
  processamento_mesa: { rows: 10, years: [1970, 2023], delimiter: '\t', totals: 2 },
  processamento_semclass: { rows: 1, years: [1970, 2023], delimiter: '\t', totals: 0 },
  comercializacao: { rows: 62, years: [1970, 2023], delimiter: ';', totals: 9 },
  importacao_vinhos: { rows: 69, years: [1970, 2024], delimiter: '\t', totals: 0 },
  importacao_espumantes: { rows: 46, years: [1970, 2024], delimiter: '\t', totals: 0 },
  importacao_frescas: { rows: 20, years: [1970, 2024], delimiter: '\t', totals: 0 },
  importacao_passas: { rows: 36, years: [1970, 2024], delimiter: '\t', totals: 0 },
  importacao_suco: { rows: 29, years: [1970, 2024], delimiter: ';', totals: 0 },
  exportacao_vinho: { rows: 141, years: [1970, 2024], delimiter: '\t', totals: 0 },
  exportacao_espumantes: { rows: 107, years: [1970, 2024], delimiter: '\t', totals: 0 },
  exportacao_uva: { rows: 140, years: [1970, 2024], delimiter: '\t', totals: 0 },
  exportacao_suco: { rows: 125, years: [1970, 2024], delimiter: '\t', totals: 0 },
};

describe('reading the real 2025-06 files', () => {
  it.each(DATASETS.map((d) => [d.id, d] as const))('%s: structure, row count and schema', (id, dataset) => {
    const expected = EXPECTED[id];
    const { table, rows } = read(id);
    const yearCount = expected.years[1] - expected.years[0] + 1;
    expect(table.delimiter).toBe(expected.delimiter);
    expect(table.encoding).toBe('utf-8');
    expect(table.rows).toHaveLength(expected.rows);
    expect(rows).toHaveLength(expected.rows * yearCount);
    expect(Math.min(...rows.map((r) => r.year))).toBe(expected.years[0]);
    expect(Math.max(...rows.map((r) => r.year))).toBe(expected.years[1]);
    expect(new Set(rows.filter((r) => r.is_total).map((r) => r.category)).size).toBe(expected.totals);
    for (const row of rows) {
      TidyRowSchema.parse(row);
      expect(row.unit).toBe(dataset.unit);
      if (dataset.hasValue) {
        expect(row.country).not.toBeNull();
        expect(row.item).toBeNull();
      } else {
        expect(row.value_usd).toBeNull();
        expect(row.country).toBeNull();
        // A total row has no item; an item row has one.
        expect(row.item === null).toBe(row.is_total);
      }
    }
  });

  it('production: totals and items, never summed together', () => {
    const { rows } = read('producao');
    expect(find(rows, { category: 'VINHO DE MESA', is_total: true, year: 2023 }).quantity).toBe(169762429);
    const items = rows.filter((r) => r.category === 'VINHO DE MESA' && !r.is_total && r.year === 2023);
    expect(items.map((r) => [r.item, r.quantity])).toEqual([
      ['Tinto', 139320884],
      ['Branco', 27910299],
      ['Rosado', 2531246],
    ]);
    expect(items.reduce((sum, r) => sum + (r.quantity ?? 0), 0)).toBe(169762429);
    expect(find(rows, { item: 'Destilado alcoólico simples de bagaceira', year: 2023 }).category).toBe(
      'DERIVADOS',
    );
  });

  it('processing (viníferas): decimal commas, markers and empty cells', () => {
    const { rows } = read('processamento_viniferas');
    const tintas = (year: number) => find(rows, { category: 'TINTAS', is_total: true, year });
    expect(tintas(2023)).toMatchObject({ quantity: 35881118.23, quantity_flag: null, item: null });
    expect(tintas(2019)).toMatchObject({ quantity: null, quantity_flag: 'nd' });
    expect(tintas(2022)).toMatchObject({ quantity: null, quantity_flag: '*' });
    expect(find(rows, { item: 'Jaen', year: 2023 })).toMatchObject({ quantity: null, quantity_flag: null });
    expect(find(rows, { item: 'Jaen', year: 2022 })).toMatchObject({ quantity: null, quantity_flag: '*' });
    expect(find(rows, { item: 'Arinarnoa', year: 2023 }).quantity).toBe(147979.4);
    expect(find(rows, { category: 'BRANCAS E ROSADAS', is_total: true, year: 2023 }).quantity).toBe(
      63676297.78,
    );
    expect(find(rows, { item: 'Chardonnay', year: 2023 }).category).toBe('BRANCAS E ROSADAS');
  });

  it('processing (americanas, mesa, sem classificação): upper-case codes, stray spaces, no categories', () => {
    const americanas = read('processamento_americanas').rows;
    expect(find(americanas, { item: 'IAC', year: 2000 })).toMatchObject({
      category: 'BRANCAS E ROSADAS',
      is_total: false,
    });
    expect(americanas.filter((r) => r.quantity_flag === '+')).toHaveLength(2);
    const mesa = read('processamento_mesa').rows;
    expect(find(mesa, { item: 'Alphonse Lavallee', year: 1970 })).toMatchObject({
      category: 'TINTAS',
      quantity: 31878,
    });
    const semclass = read('processamento_semclass').rows;
    expect(find(semclass, { year: 1970 })).toMatchObject({
      category: null,
      item: 'Sem classificação',
      is_total: false,
      quantity: 3675463,
    });
  });

  it('commercialization: the category repeated on item rows, doubled spaces in names', () => {
    const { rows } = read('comercializacao');
    expect(find(rows, { category: 'ESPUMANTES', is_total: true, year: 2023 }).quantity).toBe(29381635);
    expect(find(rows, { item: 'Espumante Moscatel', year: 2023 })).toMatchObject({
      category: 'ESPUMANTES',
      quantity: 9771698,
    });
    const standalone = rows.filter((r) => r.category === 'VINHO FRIZANTE' && r.year === 2023);
    expect(standalone.map((r) => r.is_total)).toEqual([true]);
  });

  it('imports and exports: both measures of every year', () => {
    const suco = read('importacao_suco').rows;
    expect(find(suco, { country: 'Argentina', year: 2000 })).toMatchObject({
      quantity: 2022110,
      value_usd: 1659478,
      category: null,
      is_total: false,
    });
    const vinho = read('exportacao_vinho').rows;
    expect(find(vinho, { country: 'Alemanha, República Democrática', year: 2024 })).toMatchObject({
      quantity: 6666,
      value_usd: 48095,
    });
  });

  it.each(DATASETS.map((d) => [d.id] as const))(
    '%s: re-encoded and re-delimited copies read the same',
    (id) => {
      const original = bytesOf(id);
      const expected = read(id, original).rows;
      const text = original.toString('utf8');
      const swapped = text.includes('\t') ? text.replaceAll('\t', ';') : text.replaceAll(';', '\t');
      const variants = {
        bom: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), original]),
        crlf: Buffer.from(text.replaceAll('\n', '\r\n')),
        windows1252: Buffer.from(text, 'latin1'),
        redelimited: Buffer.from(swapped),
        all: Buffer.from(swapped.replaceAll('\n', '\r\n'), 'latin1'),
      };
      for (const [name, bytes] of Object.entries(variants)) {
        const { rows, table } = read(id, bytes);
        expect(rows, name).toEqual(expected);
        if (name === 'windows1252') expect(table.encoding).toBe('windows-1252');
      }
    },
  );
});
