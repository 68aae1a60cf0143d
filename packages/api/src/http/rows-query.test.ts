import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDataset, type TidyRow } from '@vitibrasil/core';
import { describe, expect, it, vi } from 'vitest';
import { SNAPSHOT_DIR } from '../../test/snapshot.js';
import { BodyCache } from '../data/cached-body.js';
import { DatasetSnapshot } from '../data/snapshot.js';
import { foldText } from '../reader/cells.js';
import { readDataset } from '../reader/read-dataset.js';
import { readResult } from '../reader/read-result.js';
import { rowsBody } from './rows-query.js';

const comercio = getDataset('comercializacao');
const bytes = readFileSync(join(SNAPSHOT_DIR, comercio.file));
const { rows } = readDataset(comercio, bytes, { lengthVerified: true });
const snapshotOf = () =>
  new DatasetSnapshot(
    comercio,
    readResult(comercio, readDataset(comercio, bytes, { lengthVerified: true }), null),
    'a'.repeat(64),
    bytes.length,
    new Date(),
    new BodyCache(1 << 20),
    null,
  );
const ndjsonRows = (body: string) =>
  body
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TidyRow);

describe('rowsBody', () => {
  it('folds no name for a query without a text filter', async () => {
    const snapshot = snapshotOf();
    const folded = vi.spyOn(snapshot, 'namesFoldingTo');
    const body = await rowsBody(snapshot, { year: 2023, format: 'ndjson' });
    expect(ndjsonRows(body.body.toString())).toEqual(rows.filter((row) => row.year === 2023));
    expect(folded).not.toHaveBeenCalled();
  });

  it('matches a text filter with each name folded as foldText folds it', async () => {
    const snapshot = snapshotOf();
    const target = rows.find((row) => row.item !== null && row.item !== foldText(row.item))?.item;
    if (!target) throw new Error('Comercio.csv has a name with capitals or accents');
    const query = foldText(target).toUpperCase();
    const body = await rowsBody(snapshot, { item: query, format: 'ndjson' });
    const expected = rows.filter((row) => row.item !== null && foldText(row.item) === foldText(query));
    expect(expected.length).toBeGreaterThan(0);
    expect(ndjsonRows(body.body.toString())).toEqual(expected);
    // The item texts matching, by index (markers and other columns' texts are never folded for it).
    const matching = snapshot.namesFoldingTo('item', foldText(query));
    expect(snapshot.columns.texts.filter((_, t) => matching[t] === 1).map(foldText)).toEqual(
      [...new Set(expected.map((row) => row.item))].map((name) => foldText(name ?? '')),
    );
  });

  it('answers requests for a body being built with that one body, built once', async () => {
    const snapshot = snapshotOf();
    const serialized = vi.spyOn(snapshot, 'rowCsv');
    const [a, b] = await Promise.all([
      rowsBody(snapshot, { format: 'csv' }),
      rowsBody(snapshot, { format: 'csv' }),
    ]);
    expect(a).toBe(b);
    expect(serialized).toHaveBeenCalledTimes(rows.length);
    expect(a.body.toString().split('\r\n')).toHaveLength(rows.length + 2); // header, rows, final line break
  });
});
