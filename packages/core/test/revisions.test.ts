import { describe, expect, it } from 'vitest';
import type { Revision } from '../src/revision-schemas.js';
import {
  CHANGE_KINDS,
  countChanges,
  countPositions,
  diffPositions,
  diffRows,
  keyHash,
} from '../src/revisions.js';
import type { TidyRow } from '../src/rows.js';

const row = (overrides: Partial<TidyRow>): TidyRow => ({
  dataset: 'exportacao_uva',
  category: null,
  item: null,
  country: 'Chile',
  year: 2020,
  quantity: 10,
  quantity_flag: null,
  value_usd: 20,
  value_flag: null,
  unit: 'kg',
  is_total: false,
  ...overrides,
});

describe('diffRows', () => {
  it('reports nothing between equal versions, whatever the row order', () => {
    const rows = [row({ year: 2020 }), row({ year: 2021 }), row({ country: 'Peru' })];
    expect(diffRows(rows, rows)).toEqual([]);
    expect(diffRows(rows, [...rows].reverse())).toEqual([]);
  });

  it('sees a changed quantity, value or marker, and a number replaced by a marker, as revisions', () => {
    const before = [
      row({ year: 2018 }),
      row({ year: 2019 }),
      row({ year: 2020 }),
      row({ year: 2021, quantity: null, quantity_flag: 'nd' }),
    ];
    const after = [
      row({ year: 2018, quantity: 11 }),
      row({ year: 2019, value_usd: null, value_flag: '*' }),
      row({ year: 2020 }),
      row({ year: 2021, quantity: null, quantity_flag: '*' }),
    ];
    const changes = diffRows(before, after);
    expect(changes.map((c) => [c.year, c.change])).toEqual([
      [2018, 'revised'],
      [2019, 'revised'],
      [2021, 'revised'],
    ]);
    expect(changes[0]).toMatchObject({
      old_quantity: 10,
      new_quantity: 11,
      old_value_usd: 20,
      new_value_usd: 20,
    });
    expect(changes[1]).toMatchObject({
      old_value_usd: 20,
      new_value_usd: null,
      old_value_flag: null,
      new_value_flag: '*',
    });
    expect(changes[2]).toMatchObject({
      old_quantity: null,
      new_quantity: null,
      old_flag: 'nd',
      new_flag: '*',
    });
  });

  it('keys rows by dataset, category, item, country and year: the same item under two categories is two rows', () => {
    const tinto = (category: string, quantity: number) =>
      row({
        dataset: 'producao',
        category,
        item: 'Tinto',
        country: null,
        quantity,
        value_usd: null,
        unit: 'L',
      });
    const before = [tinto('VINHO DE MESA', 5), tinto('VINHO FINO DE MESA (VINIFERA)', 7)];
    const after = [tinto('VINHO DE MESA', 5), tinto('VINHO FINO DE MESA (VINIFERA)', 8)];
    expect(diffRows(before, after)).toEqual([
      expect.objectContaining({
        category: 'VINHO FINO DE MESA (VINIFERA)',
        change: 'revised',
        old_quantity: 7,
        new_quantity: 8,
      }),
    ]);
  });

  it('lists added rows in the new order, then removed rows in the old order, with the values they had', () => {
    const before = [
      row({ country: 'Angola' }),
      row({ country: 'Chile' }),
      row({ country: 'Zâmbia', quantity: 3 }),
    ];
    const after = [
      row({ country: 'Chile' }),
      row({ country: 'Peru', quantity: 4 }),
      row({ country: 'Atlântida' }),
    ];
    const changes = diffRows(before, after);
    expect(changes.map((c) => [c.change, c.country])).toEqual([
      ['added', 'Peru'],
      ['added', 'Atlântida'],
      ['removed', 'Angola'],
      ['removed', 'Zâmbia'],
    ]);
    expect(changes[0]).toMatchObject({
      old_quantity: null,
      new_quantity: 4,
      old_value_usd: null,
      new_value_usd: 20,
    });
    expect(changes[3]).toMatchObject({
      old_quantity: 3,
      new_quantity: null,
      old_value_usd: 20,
      new_value_usd: null,
    });
    expect(countChanges(changes)).toEqual({ added: 2, removed: 2, revised: 0 });
  });

  it('pairs a key published twice occurrence by occurrence, losing and doubling nothing', () => {
    const before = [row({ quantity: 1 }), row({ quantity: 2 })];
    expect(diffRows(before, [row({ quantity: 1 }), row({ quantity: 3 })])).toEqual([
      expect.objectContaining({ change: 'revised', old_quantity: 2, new_quantity: 3 }),
    ]);
    expect(diffRows(before, [row({ quantity: 1 })])).toEqual([
      expect.objectContaining({ change: 'removed', old_quantity: 2 }),
    ]);
    expect(diffRows(before, [...before, row({ quantity: 9 })])).toEqual([
      expect.objectContaining({ change: 'added', new_quantity: 9 }),
    ]);
  });

  it('tells apart two keys of equal hash by the keys themselves', () => {
    // Found by search: these two countries' keys share their 32-bit hash.
    const a = row({ country: 'País 59928' });
    const b = row({ country: 'País 681606' });
    expect(keyHash(a)).toBe(keyHash(b));
    expect(diffRows([a, b], [b, { ...a, quantity: 99 }])).toEqual([
      expect.objectContaining({
        change: 'revised',
        country: 'País 59928',
        old_quantity: 10,
        new_quantity: 99,
      }),
    ]);
    expect(diffRows([a], [b]).map((c) => [c.change, c.country])).toEqual([
      ['added', 'País 681606'],
      ['removed', 'País 59928'],
    ]);
  });

  it('tells apart a null name from an empty one, and names split differently', () => {
    expect(diffRows([row({ category: null })], [row({ category: '' })]).map((c) => c.change)).toEqual([
      'added',
      'removed',
    ]);
    expect(keyHash(row({ category: 'ab', item: 'c' }))).not.toBe(keyHash(row({ category: 'a', item: 'bc' })));
  });

  it('matches keys repeated thousands of times occurrence by occurrence, colliding keys interleaved', () => {
    // A reference that shares no code with diffRows: keys as strings, each key's unmatched rows in a queue.
    const reference = (before: readonly TidyRow[], after: readonly TidyRow[]): Revision[] => {
      const keyOf = (r: TidyRow) => JSON.stringify([r.dataset, r.category, r.item, r.country, r.year]);
      const queues = new Map<string, number[]>();
      before.forEach((r, i) => {
        const queue = queues.get(keyOf(r)) ?? [];
        queue.push(i);
        queues.set(keyOf(r), queue);
      });
      const matched = new Set<number>();
      const out: Revision[] = [];
      for (const r of after) {
        const i = queues.get(keyOf(r))?.shift();
        if (i === undefined) {
          out.push(...diffRows([], [r]));
          continue;
        }
        matched.add(i);
        const old = before[i] as TidyRow;
        if (old.quantity !== r.quantity || old.value_usd !== r.value_usd) out.push(...diffRows([old], [r]));
      }
      out.push(
        ...diffRows(
          before.filter((_, i) => !matched.has(i)),
          [],
        ),
      );
      return out;
    };
    // `País 59928` and `País 681606` share their hash: their chains interleave with Outros' in one bucket walk.
    const names = ['Outros', 'País 59928', 'País 681606'];
    const before: TidyRow[] = [];
    for (let i = 0; i < 6000; i++)
      before.push(row({ country: names[i % 3], year: 2020 + (i % 2), quantity: i }));
    const after = before
      .filter((_, i) => i % 97 !== 0) // some occurrences gone
      .map((r, i) => (i % 89 === 0 ? { ...r, quantity: -i } : r)) // some revised
      .concat(Array.from({ length: 50 }, (_, i) => row({ country: names[i % 3], quantity: 10_000 + i }))); // more
    const changes = diffRows(before, after);
    expect(changes).toEqual(reference(before, after));
    const counts = countChanges(changes);
    expect(Math.min(counts.added, counts.removed, counts.revised)).toBeGreaterThan(0);
    expect(diffRows(before, before)).toEqual([]);
    expect(diffRows(before, [...before].reverse()).length).toBe(
      reference(before, [...before].reverse()).length,
    );
  });
});

describe('diffPositions', () => {
  it('gives each change by its rows’ positions, counted as countChanges counts the revisions', () => {
    const before = [row({ quantity: 1 }), row({ year: 2001, quantity: 2 }), row({ year: 2002, quantity: 3 })];
    const after = [row({ year: 2001, quantity: 5 }), row({ quantity: 1 }), row({ year: 2003, quantity: 4 })];
    const positions = diffPositions(before, after);
    expect([...positions.kinds].map((k) => CHANGE_KINDS[k])).toEqual(['revised', 'added', 'removed']);
    expect([...positions.current]).toEqual([0, 2, -1]);
    expect([...positions.previous]).toEqual([1, -1, 2]);
    expect(countPositions(positions)).toEqual(countChanges(diffRows(before, after)));
  });
});
