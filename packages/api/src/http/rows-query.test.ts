import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDataset } from '@vitibrasil/core';
import { describe, expect, it, vi } from 'vitest';
import { SNAPSHOT_DIR } from '../../test/snapshot.js';
import { BodyCache } from '../data/cached-body.js';
import { DatasetSnapshot } from '../data/snapshot.js';
import { foldText } from '../reader/cells.js';
import { readDataset } from '../reader/read-dataset.js';
import { rowsBody } from './rows-query.js';

const comercio = getDataset('comercializacao');
const snapshotOf = () => {
  const bytes = readFileSync(join(SNAPSHOT_DIR, comercio.file));
  const read = readDataset(comercio, bytes, { lengthVerified: true });
  return new DatasetSnapshot(
    comercio,
    read,
    'a'.repeat(64),
    bytes.length,
    new Date(),
    new BodyCache(1 << 20),
    null,
  );
};
const ndjsonRows = (body: string) =>
  body
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { item: string | null; year: number });

describe('rowsBody', () => {
  it('folds no name for a query without a text filter', () => {
    const snapshot = snapshotOf();
    const folded = vi.spyOn(snapshot, 'folded');
    const rows = ndjsonRows(rowsBody(snapshot, { year: 2023, format: 'ndjson' }).body.toString());
    expect(rows.length).toBe(snapshot.rows.filter((row) => row.year === 2023).length);
    expect(folded).not.toHaveBeenCalled();
  });

  it('compares a text filter with the name of each row folded as foldText folds it (through the per-version memo)', () => {
    const snapshot = snapshotOf();
    const folded = vi.spyOn(snapshot, 'folded');
    const target = snapshot.rows.find((row) => row.item !== null && row.item !== foldText(row.item))?.item;
    if (!target) throw new Error('Comercio.csv has a name with capitals or accents');
    const query = foldText(target).toUpperCase();
    const rows = ndjsonRows(rowsBody(snapshot, { item: query, format: 'ndjson' }).body.toString());
    const expected = snapshot.rows.filter(
      (row) => row.item !== null && foldText(row.item) === foldText(query),
    );
    expect(rows.length).toBe(expected.length);
    expect(rows.every((row) => row.item !== null && foldText(row.item) === foldText(query))).toBe(true);
    expect(folded).toHaveBeenCalledTimes(snapshot.rows.length);
    // The memo holds each distinct name once, folded as foldText folds it.
    const names = new Set(snapshot.rows.map((row) => row.item));
    for (const name of names) expect(snapshot.folded(name)).toBe(name === null ? null : foldText(name));
  });
});
