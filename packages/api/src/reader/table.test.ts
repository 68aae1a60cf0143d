import { getDataset } from '@vitibrasil/core';
import { describe, expect, it } from 'vitest';
import { MalformedUpstreamFile } from '../errors.js';
import { readDataset } from './read-dataset.js';

const producao = getDataset('producao');
const importacao = getDataset('importacao_suco');
const read = (text: string, dataset = producao, contentType?: string) =>
  readDataset(dataset, Buffer.from(text), { contentType, lengthVerified: true });
const rejects = (text: string, reason: RegExp, dataset = producao, contentType?: string) => {
  expect(() => read(text, dataset, contentType)).toThrow(MalformedUpstreamFile);
  expect(() => read(text, dataset, contentType)).toThrow(reason);
};

describe('what is not a well-formed file', () => {
  it('rejects empty bodies and HTML pages', () => {
    rejects('', /empty body/);
    rejects('  \r\n', /empty body/);
    rejects('<!DOCTYPE html><html><body>Erro 500</body></html>', /HTML page/);
    rejects('id;control;produto;2000\n1;A;A;1\n', /HTML page/, producao, 'text/html; charset=utf-8');
  });

  it('rejects a header of another family or with unknown columns', () => {
    rejects('Id;País;2000;2000\n1;Chile;1;2\n', /unexpected column 'País'/);
    rejects('id;control;2000\n1;A;1\n', /no produto\/cultivar column/);
    rejects('id;control;produto;2000;obs\n1;A;A;1;x\n', /unexpected column 'obs'/);
    rejects(
      `id;control;produto;2000;${'x'.repeat(5000)}\n1;A;A;1;x\n`,
      /unexpected column 'x{40}…' in the header$/,
    );
    rejects('id;control;produto\n1;A;A\n', /no year columns/);
    rejects('Id;País;2000\n1;Chile;1\n', /lacks its value/, importacao);
    rejects('id;produto;2000\n', /no data rows/);
  });

  it('reads the last year labelled as the year before by position, noting it; refuses any other disagreement', () => {
    const { rows, notes } = read('id;control;produto;2000;2000\n1;A;A;1;2\n');
    expect(rows.map((r) => [r.year, r.quantity])).toEqual([
      [2000, 1],
      [2001, 2],
    ]);
    expect(notes).toEqual({
      header: 'published',
      headerYears: [{ column: 5, label: '2000', year: 2001, measure: 'quantity' }],
    });
    rejects(
      'id;control;produto;2000;2000;2001\n1;A;A;1;2;3\n',
      /column 5 is labelled '2000' where its position makes it 2001/,
    );
    rejects(
      'id;control;produto;2000;2002\n1;A;A;1;2\n',
      /column 5 is labelled '2002' where its position makes it 2001/,
    );
    rejects(
      'Id;País;2000;2000;2000;2001\n1;Chile;1;2;3;4\n',
      /column 5 is labelled '2000' where its position makes it 2001 \(kg\)/,
      importacao,
    );
    const thisYear = new Date().getUTCFullYear();
    rejects(
      `id;control;produto;${thisYear};${thisYear - 1}\n1;A;A;1;2\n`,
      new RegExp(`2 year columns from ${thisYear} would run to ${thisYear + 1}, after the current year`),
    );
  });

  it('reads a file that starts with data by position, from 1970, and refuses implausible counts', () => {
    const { rows, notes, table } = read('1;A;A;1;2\n2;a_b;b;3;4\n');
    expect(notes).toEqual({ header: 'absent', headerYears: [] });
    expect(table.header).toEqual(['id', 'control', 'produto', '1970', '1971']);
    expect(rows.map((r) => [r.item ?? r.category, r.year, r.quantity])).toEqual([
      ['A', 1970, 1],
      ['A', 1971, 2],
      ['b', 1970, 3],
      ['b', 1971, 4],
    ]);
    rejects('1;A;A\n', /no year columns/);
    rejects('1;Chile;1;2;3\n', /year 1971 lacks its value/, importacao);
    rejects(
      '1;Chile;1;2\n2;12;3;4\n',
      /line 2 has a number \('12'\) in column 2, the name's place in the layout Id, País, years/,
      importacao,
    );
  });

  it('rejects a body without a final line break unless its length was proven', () => {
    const text = 'id;control;produto;2000;2001\n1;A;A;1;2\n2;a_b;b;1;65';
    expect(() => readDataset(producao, Buffer.from(text), { lengthVerified: false })).toThrow(
      /may be truncated/,
    );
    expect(readDataset(producao, Buffer.from(text), { lengthVerified: true }).rows.at(-1)?.quantity).toBe(65);
  });

  it('rejects a data row without an integer id: a header repeated inside the data, a stray line', () => {
    const header = 'id;control;produto;1970;1971';
    rejects(
      `${header}\n1;VINHO DE MESA;VINHO DE MESA;10;20\n${header}\n2;VINHO DE MESA;Tinto;10;20\n`,
      /line 3 has 'id' in the id column \(column 1\), not an integer id/,
    );
    rejects(`${header}\n1;A;A;1;2\n;A;b;1;2\n`, /line 3 has '' in the id column/);
    rejects(`${header}\n1;A;A;1;2\nTotal;;;2;4\n`, /line 3 has 'Total' in the id column/);
    rejects(
      'produto;id;control;1970\nVINHO;1;VINHO;10\nB;x;B;1\n',
      /line 3 has 'x' in the id column \(column 2\)/,
    );
    rejects(
      'Id;País;1970;1970\n1;Chile;1;2\nId;País;1970;1970\n',
      /line 3 has 'Id' in the id column/,
      importacao,
    );
  });

  it('rejects ragged and truncated rows', () => {
    rejects('id;control;produto;2000;2001\n1;A;A;1;2\n2;a_b;b;1\n', /line 3 has 4 of 5 fields/);
    rejects('id;control;produto;2000;2001\n1;A;A;1;2;9\n', /line 2 has 6 fields/);
  });

  it('accepts a trailing delimiter, blank lines, CRLF and header names in any case and spacing', () => {
    const { table, rows } = read('ID ; Control ;  Produto ;2000;2001;\r\n1;A;A;1;2;\r\n\r\n');
    expect(table.header).toEqual(['ID ', ' Control ', '  Produto ', '2000', '2001']);
    expect(rows.map((r) => r.quantity)).toEqual([1, 2]);
  });
});
