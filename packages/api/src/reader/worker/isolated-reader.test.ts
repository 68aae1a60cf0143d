import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, diffRows, getDataset, revisionAt } from '@vitibrasil/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SNAPSHOT_DIR } from '../../../test/snapshot.js';
import {
  MalformedUpstreamFile,
  ReaderOutOfMemory,
  ReaderTimedOut,
  SuspiciousUpstreamFile,
} from '../../errors.js';
import { longFile, wideFile } from '../../testing/hostile-files.js';
import { readDataset } from '../read-dataset.js';
import { readResult } from '../read-result.js';
import { DEFAULT_SHAPE_LIMITS } from '../shape-limits.js';
import { columnRows, tidyRowAt } from '../tidy-columns.js';
import { IsolatedReader, type ReaderLimits } from './isolated-reader.js';

const producao = getDataset('producao');
const bytesOf = (file: string) => readFileSync(join(SNAPSHOT_DIR, file));
const verified = { lengthVerified: true };
/** What the worker should answer: the same reader, in process. */
const inProcess = (dataset = producao) =>
  readResult(dataset, readDataset(dataset, bytesOf(dataset.file), verified), null);

describe('IsolatedReader', () => {
  const readers: IsolatedReader[] = [];
  const start = (limits: Partial<ReaderLimits> = {}) => {
    const reader = new IsolatedReader({ ...DEFAULT_SHAPE_LIMITS, heapMb: 128, timeoutMs: 10_000, ...limits });
    readers.push(reader);
    return reader;
  };
  afterEach(async () => {
    for (const reader of readers.splice(0)) await reader.close();
  });

  it('can start its worker ahead of the first file, which it then reads; a warm worker left unused closes', async () => {
    const reader = start();
    reader.warmUp();
    reader.warmUp(); // once is enough: no second worker
    const read = await reader.read(producao, bytesOf(producao.file), verified);
    expect(read).toEqual(inProcess());
    const unused = start();
    unused.warmUp();
    await unused.close();
    await expect(unused.read(producao, bytesOf(producao.file), verified)).rejects.toThrow(
      /the reader is closed/,
    );
  });

  it('reads every bundled file exactly as the reader does in process, several queued at once', async () => {
    const reader = start();
    const reads = await Promise.all(
      DATASETS.map((dataset) => reader.read(dataset, bytesOf(dataset.file), verified)),
    );
    reads.forEach((read, i) => {
      const dataset = DATASETS[i];
      if (!dataset) throw new Error('unreachable');
      expect(read).toEqual(inProcess(dataset));
      // The columns sent across are the rows the reader read, every field of every one.
      const { rows } = readDataset(dataset, bytesOf(dataset.file), verified);
      expect(
        Array.from({ length: read.columns.length }, (_, r) => tidyRowAt(read.columns, dataset, r)),
      ).toEqual(rows);
    });
  });

  it('compares a file with the previous version it is given, as diffRows does with the rows', async () => {
    const reader = start();
    const before = readDataset(producao, bytesOf(producao.file), verified);
    // The same table a year later: one number revised, one row gone, one added.
    const text = bytesOf(producao.file).toString('utf8').split('\n');
    const revisedLine = text.findIndex((line) => /;Tinto;/i.test(line));
    text[revisedLine] = text[revisedLine]?.replace(/;(\d+)$/, (_, n: string) => `;${Number(n) + 5}`) ?? '';
    text.splice(revisedLine + 1, 1);
    const years = (text[0]?.split(';').length ?? 0) - 3;
    text.splice(-1, 0, `99;vm_Novo;Novo;${Array(years).fill('1').join(';')}`);
    const after = Buffer.from(text.join('\n'));
    const previous = readResult(producao, before, null).columns;
    const read = await reader.read(producao, after, verified, { previous });
    const expected = diffRows(before.rows, readDataset(producao, after, verified).rows);
    const positions = read.revisions?.positions;
    if (!positions) throw new Error('no revisions');
    const [old, now] = [columnRows(previous, producao), columnRows(read.columns, producao)];
    expect(Array.from({ length: positions.length }, (_, n) => revisionAt(positions, n, old, now))).toEqual(
      expected,
    );
    expect(read.revisions?.counts).toEqual({ added: years, removed: years, revised: 1 });
    expect((await reader.read(producao, after, verified)).revisions).toBeNull();
  });

  it('rejects files beyond the shape limits as suspicious, naming the limit, before parsing them', async () => {
    const reader = start();
    await expect(reader.read(producao, wideFile(), verified)).rejects.toThrow(SuspiciousUpstreamFile);
    await expect(reader.read(producao, wideFile(), verified)).rejects.toThrow(
      /columns: at least 9003, more than the 1000 accepted \(UPSTREAM_MAX_COLUMNS\)/,
    );
    // 9.8 MB of ordinary rows.
    await expect(reader.read(producao, longFile(9_800_000), verified)).rejects.toThrow(
      /cells: at least \d+, more than the 200000 accepted \(UPSTREAM_MAX_CELLS\)/,
    );
    const narrow = Array.from({ length: 10_001 }, (_, i) => `${i + 1};;Item ${i + 1};1`);
    await expect(
      reader.read(producao, Buffer.from(`id;control;produto;1970\n${narrow.join('\n')}\n`), verified),
    ).rejects.toThrow(/rows: at least 10001, more than the 10000 accepted \(UPSTREAM_MAX_ROWS\)/);
    // Malformed files keep their own failure.
    await expect(reader.read(producao, Buffer.from('<html></html>'), verified)).rejects.toThrow(
      MalformedUpstreamFile,
    );
  });

  it('a file that exhausts the heap cap costs the worker, and the next file is read by a new one', async () => {
    // Shape limits lifted so the hostile file reaches the parser: the heap cap is the last line of defence.
    const reader = start({ maxColumns: 1e9, maxRows: 1e9, maxCells: 1e9, heapMb: 32 });
    await expect(reader.read(producao, wideFile(), verified)).rejects.toThrow(ReaderOutOfMemory);
    const read = await reader.read(producao, bytesOf(producao.file), verified);
    expect(read.publishedRows).toBe(51);
  });

  it('a file that takes longer than the deadline costs the worker, and the next file is read by a new one', async () => {
    const reader = start({ maxColumns: 1e9, maxRows: 1e9, maxCells: 1e9, heapMb: 4096, timeoutMs: 500 });
    // The worker's start does not count against the deadline; an ordinary file is read well within it.
    expect((await reader.read(producao, bytesOf(producao.file), verified)).publishedRows).toBe(51);
    // Twenty million cells (the hostile file's rows twice): the parser needs seconds for them.
    const wide = wideFile();
    const doubled = Buffer.concat([wide, wide.subarray(wide.indexOf(10) + 1)]);
    await expect(reader.read(producao, doubled, verified)).rejects.toThrow(ReaderTimedOut);
    const read = await reader.read(producao, bytesOf(producao.file), verified);
    expect(read.publishedRows).toBe(51);
  });

  it('reads the bundled files (high priority) before the upstream files waiting, after the one being read', async () => {
    const reader = start();
    const order: string[] = [];
    const read = (file: string, priority: 'high' | 'normal') => {
      const dataset = DATASETS.find((d) => d.file === file);
      if (!dataset) throw new Error(file);
      return reader
        .read(dataset, bytesOf(file), verified, { priority })
        .then(() => order.push(`${file} ${priority}`));
    };
    await Promise.all([
      read('Producao.csv', 'normal'), // being read
      read('Comercio.csv', 'normal'),
      read('ExpVinho.csv', 'normal'),
      read('ImpVinhos.csv', 'high'),
      read('ImpSuco.csv', 'high'),
    ]);
    expect(order).toEqual([
      'Producao.csv normal',
      'ImpVinhos.csv high',
      'ImpSuco.csv high',
      'Comercio.csv normal',
      'ExpVinho.csv normal',
    ]);
  });
});
