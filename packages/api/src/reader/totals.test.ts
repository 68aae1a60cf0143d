import { getDataset } from '@vitibrasil/core';
import { describe, expect, it } from 'vitest';
import { readDataset } from './read-dataset.js';

const producao = getDataset('producao');
const years = (n: number) => Array.from({ length: n }, (_, i) => 2000 + i).join(';');

/** Reads a small production table; returns [category, item, is_total] per published row (first year). */
function placements(lines: string[]): [string | null, string | null, boolean][] {
  const text = [`id;control;produto;${years(4)}`, ...lines].join('\n');
  const { rows } = readDataset(producao, Buffer.from(text), { lengthVerified: true });
  return rows.filter((r) => r.year === 2000).map((r) => [r.category, r.item, r.is_total]);
}

describe('category totals', () => {
  it('reads prefixed item codes under the total above them', () => {
    expect(
      placements([
        '1;VINHO DE MESA;VINHO DE MESA;3;3;3;3',
        '2;vm_Tinto;Tinto;1;1;1;1',
        '3;vm_Branco;Branco;2;2;2;2',
      ]),
    ).toEqual([
      ['VINHO DE MESA', null, true],
      ['VINHO DE MESA', 'Tinto', false],
      ['VINHO DE MESA', 'Branco', false],
    ]);
  });

  it('recognises a total whose control is the name without spaces, or empty', () => {
    expect(
      placements([
        '1;BRANCASEROSADAS;BRANCAS E ROSADAS;1;1;1;1',
        '2;br_X;X;1;1;1;1',
        '3;;SUCO;5;5;5;5',
        '4;su_Y;Y;5;5;5;5',
      ]),
    ).toEqual([
      ['BRANCAS E ROSADAS', null, true],
      ['BRANCAS E ROSADAS', 'X', false],
      ['SUCO', null, true],
      ['SUCO', 'Y', false],
    ]);
  });

  it('handles the category repeated on every item row (Comercio.csv), including totals without items', () => {
    expect(
      placements([
        '1;VINHO DE MESA;VINHO DE MESA;3;3;3;3',
        '2;VINHO DE MESA;Tinto;1;1;1;1',
        '3;VINHO DE MESA;BRANCO;2;2;2;2',
        '4;VINHO FRIZANTE;VINHO FRIZANTE;7;8;9;10',
        '5;VINHO ORGÂNICO;VINHO ORGÂNICO;1;2;3;4',
      ]),
    ).toEqual([
      ['VINHO DE MESA', null, true],
      ['VINHO DE MESA', 'Tinto', false],
      ['VINHO DE MESA', 'BRANCO', false],
      ['VINHO FRIZANTE', null, true],
      ['VINHO ORGÂNICO', null, true],
    ]);
  });

  it('demotes an upper-case cultivar code to an item when the total only adds up with it', () => {
    expect(
      placements([
        '1;TINTAS;TINTAS;10;20;30;40',
        '2;ti_Bordo;Bordo;4;5;6;7',
        '3;IAC138022;IAC 138022;6;15;24;33',
        '4;BRANCAS;BRANCAS;1;1;1;1',
        '5;br_Niagara;Niagara;1;1;1;1',
      ]),
    ).toEqual([
      ['TINTAS', null, true],
      ['TINTAS', 'Bordo', false],
      ['TINTAS', 'IAC 138022', false],
      ['BRANCAS', null, true],
      ['BRANCAS', 'Niagara', false],
    ]);
  });

  it('leaves rows without any total row uncategorised (ProcessaSemclass.csv)', () => {
    expect(placements(['1;sc;Sem classificação;1;2;3;4'])).toEqual([[null, 'Sem classificação', false]]);
  });

  it('normalizes whitespace in names', () => {
    expect(
      placements(['1;TINTAS;TINTAS;1;1;1;1', '2;ti_ Alphonse  Lavallee; Alphonse  Lavallee ;1;1;1;1']),
    ).toEqual([
      ['TINTAS', null, true],
      ['TINTAS', 'Alphonse Lavallee', false],
    ]);
  });
});
