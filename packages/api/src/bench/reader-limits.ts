import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { DATASETS, type DatasetDefinition, getDataset } from '@vitibrasil/core';
import { loadConfig } from '../config.js';
import { BodyCache } from '../data/cached-body.js';
import { DatasetSnapshot } from '../data/snapshot.js';
import { qualityBody, revisionsBody } from '../http/reports.js';
import { rowsBody } from '../http/rows-query.js';
import { decodeText } from '../reader/decode.js';
import { sniffDelimiter } from '../reader/dialect.js';
import { type ReadResult, resultBuffers } from '../reader/read-result.js';
import { measureShape } from '../reader/shape-limits.js';
import { IsolatedReader, type ReaderLimits } from '../reader/worker/isolated-reader.js';
import { longCategoryFile, longFile, wideFile } from '../testing/hostile-files.js';
import { formatTable, snapshotDir } from './common.js';

/**
 * The figures behind the reader's limits (docs/reliability.md): the shape of today's largest files, what reading
 * files at the limits costs the worker (time, the smallest heap cap that reads them) and the event loop (its
 * longest stall while the worker reads, which is how late a probe would be answered), and what becomes of the
 * hostile files. Prints figures only.
 */
// The limits a server started without configuration has.
const defaults = loadConfig({});
const DEFAULT_HEAP_MB = defaults.READER_HEAP_MB;
const DEFAULT_SHAPE = {
  maxColumns: defaults.UPSTREAM_MAX_COLUMNS,
  maxRows: defaults.UPSTREAM_MAX_ROWS,
  maxCells: defaults.UPSTREAM_MAX_CELLS,
  maxCellLength: defaults.UPSTREAM_MAX_CELL_LENGTH,
  maxTidyText: defaults.UPSTREAM_MAX_TIDY_TEXT,
};
const producao = getDataset('producao');
const verified = { lengthVerified: true };

const reader = (limits: Partial<ReaderLimits> = {}) =>
  new IsolatedReader({
    ...DEFAULT_SHAPE,
    heapMb: DEFAULT_HEAP_MB,
    timeoutMs: defaults.READER_TIMEOUT_MS,
    ...limits,
  });

interface Measured<T> {
  readonly ms: number;
  /** Longest stall of this thread's event loop during the work. */
  readonly stallMs: number;
  readonly outcome: string;
  readonly read: T | null;
}

async function measure<T>(read: () => Promise<T>): Promise<Measured<T>> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const start = performance.now();
  let outcome = 'read';
  let result: T | null = null;
  try {
    result = await read();
  } catch (error) {
    outcome = (error as { code?: string }).code ?? 'error';
  }
  const ms = performance.now() - start;
  // One more turn of the loop, so that a stall at the very end of the work is recorded too.
  await new Promise((resolve) => setTimeout(resolve, 2));
  loop.disable();
  return { ms, stallMs: loop.max / 1e6, outcome, read: result };
}

/** A valid production-style file: `years` year columns and `rows` rows of six-digit numbers, names `nameLength` long. */
function validFile(years: number, rows: number, nameLength = 0): Buffer {
  const header = `id;control;produto;${Array.from({ length: years }, (_, i) => 1000 + i).join(';')}`;
  const lines = [header];
  for (let id = 1; id <= rows; id++) {
    const cells = Array.from({ length: years }, (_, y) =>
      String(100_000 + ((id * 7919 + y * 104_729) % 900_000)),
    );
    const name = `Item ${id} `.padEnd(nameLength, 'é');
    lines.push(`${id};vm_Item ${id};${name};${cells.join(';')}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

const fmt = (ms: number) => ms.toFixed(1);

// 1. Today's files.
const dir = snapshotDir();
const shapes: string[][] = [];
let largest = { columns: 0, rows: 0, cells: 0, bytes: 0 };
const unlimited = {
  maxColumns: Number.POSITIVE_INFINITY,
  maxRows: Number.POSITIVE_INFINITY,
  maxCells: Number.POSITIVE_INFINITY,
  maxCellLength: Number.POSITIVE_INFINITY,
  maxTidyText: Number.POSITIVE_INFINITY,
};
const files: Array<{ dataset: DatasetDefinition; bytes: Buffer }> = [];
for (const dataset of DATASETS) {
  const bytes = await readFile(join(dir, dataset.file));
  files.push({ dataset, bytes });
  const decoded = decodeText(bytes);
  if ('damaged' in decoded) throw new Error(`${dataset.file}: ${decoded.damaged}`);
  const delimiter = sniffDelimiter(decoded.text);
  if (!delimiter) throw new Error(`${dataset.file}: no delimiter`);
  const shape = measureShape(decoded.text, delimiter, unlimited);
  largest = {
    columns: Math.max(largest.columns, shape.columns),
    rows: Math.max(largest.rows, shape.rows),
    cells: Math.max(largest.cells, shape.cells),
    bytes: Math.max(largest.bytes, bytes.length),
  };
  shapes.push([
    dataset.file,
    String(bytes.length),
    String(shape.columns),
    String(shape.rows),
    String(shape.cells),
  ]);
}
console.log(`snapshot: ${dir}  (node ${process.version})\n`);
console.log(formatTable([['file', 'bytes', 'columns', 'rows', 'cells'], ...shapes]));
const { maxColumns, maxRows, maxCells } = DEFAULT_SHAPE;
console.log(
  `\nlargest: ${largest.columns} columns, ${largest.rows} rows, ${largest.cells} cells, ${largest.bytes} bytes; ` +
    `limits ${maxColumns} / ${maxRows} / ${maxCells}: ` +
    `${(maxColumns / largest.columns).toFixed(1)}× / ${(maxRows / largest.rows).toFixed(1)}× / ` +
    `${(maxCells / largest.cells).toFixed(1)}× headroom\n`,
);

// 2. Today's files through the worker: the first read starts it.
{
  const isolated = reader();
  const cold = await measure(() => isolated.read(producao, (files[0] as { bytes: Buffer }).bytes, verified));
  let ms = 0;
  let stallMs = 0;
  for (const { dataset, bytes } of files) {
    const one = await measure(() => isolated.read(dataset, bytes, verified));
    ms += one.ms;
    stallMs = Math.max(stallMs, one.stallMs);
  }
  console.log(
    `worker: first read (worker start included) ${fmt(cold.ms)} ms; the ${files.length} files then one by one ` +
      `${fmt(ms)} ms, longest event-loop stall ${fmt(stallMs)} ms\n`,
  );
  await isolated.close();
}

// 3. Files at the limits, and the hostile ones.
const HEAP_STEPS = [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];
async function smallestHeap(
  dataset: DatasetDefinition,
  bytes: Buffer,
  limits: Partial<ReaderLimits>,
): Promise<string> {
  for (const heapMb of HEAP_STEPS) {
    const isolated = reader({ ...limits, heapMb });
    const { outcome } = await measure(() => isolated.read(dataset, bytes, verified));
    await isolated.close();
    if (outcome !== 'READER_OUT_OF_MEMORY') return `${heapMb} MB`;
  }
  return `> ${HEAP_STEPS.at(-1)} MB`;
}

/** What a read result holds: the buffers the worker transfers, and its distinct texts (two bytes a character). */
const resultBytes = (read: ReadResult): number =>
  resultBuffers(read).reduce((sum, buffer) => sum + buffer.byteLength, 0) +
  read.columns.texts.reduce((sum, text) => sum + 2 * text.length, 0);

const expVinho = files.find(({ dataset }) => dataset.file === 'ExpVinho.csv');
const cases: Array<{
  name: string;
  bytes: Buffer;
  dataset?: DatasetDefinition;
  limits?: Partial<ReaderLimits>;
}> = [
  {
    name: "ExpVinho.csv (today's largest)",
    bytes: expVinho?.bytes ?? Buffer.alloc(0),
    dataset: expVinho?.dataset,
  },
  { name: `${maxColumns - 3} years × 199 rows (columns limit)`, bytes: validFile(maxColumns - 3, 199) },
  { name: `54 years × 3,500 rows (cells limit)`, bytes: validFile(54, 3_500) },
  { name: `16 years × ${maxRows} rows (rows limit)`, bytes: validFile(16, maxRows) },
  {
    name: '54 years × 3,500 rows, 40-character names (cells and tidy-text limits)',
    bytes: validFile(54, 3_500, 40),
  },
  {
    name: '40-character category, 8,000 items × 20 years (tidy-text limit)',
    bytes: longCategoryFile(40, 8_000, 20),
  },
  { name: 'hostile: 10,000-character category (480 KB)', bytes: longCategoryFile(10_000, 8_000, 20) },
  { name: 'hostile: 1,000-character category', bytes: longCategoryFile(1_000, 8_000, 20) },
  { name: 'hostile: 9,000 columns, 1,100 rows (9.9 MB)', bytes: wideFile() },
  { name: 'hostile: 9.8 MB of ordinary rows', bytes: longFile(9_800_000) },
  {
    name: 'hostile 9,000 columns, shape limits lifted',
    bytes: wideFile(),
    limits: { maxColumns: 1e9, maxRows: 1e9, maxCells: 1e9 },
  },
];
const rows: string[][] = [];
const firstRequests: string[][] = [];
const held: ReadResult[] = [];
/** Total milliseconds of an asynchronous piece of work, and the longest this thread's event loop stalled during it. */
async function timed(work: () => Promise<unknown>): Promise<string> {
  const { ms, stallMs } = await measure(work);
  return `${fmt(ms)} / ${fmt(stallMs)}`;
}
/** The first requests of a version, each on a fresh snapshot (nothing derived yet), as the routes make them. */
async function firstRequestRow(
  name: string,
  dataset: DatasetDefinition,
  read: ReadResult,
  bytes: Buffer,
): Promise<string[]> {
  const fresh = () =>
    new DatasetSnapshot(
      dataset,
      read,
      'f'.repeat(64),
      bytes.length,
      new Date(),
      new BodyCache(32 << 20),
      null,
    );
  const firstItem = read.columns.texts[read.columns.item.find((at) => at >= 0) ?? -1] ?? 'x';
  return [
    name,
    String(read.columns.length),
    await timed(() => rowsBody(fresh(), {})),
    await timed(() => rowsBody(fresh(), { format: 'csv' })),
    await timed(() => rowsBody(fresh(), { format: 'ndjson' })),
    await timed(() => rowsBody(fresh(), { item: firstItem, format: 'ndjson' })),
    await timed(() => qualityBody(fresh())),
    await timed(async () => fresh().legacyBody()),
  ];
}
for (const { name, bytes, dataset = producao, limits = {} } of cases) {
  const isolated = reader(limits);
  await isolated.read(producao, files[0]?.bytes ?? Buffer.alloc(0), verified); // worker started
  const measured = await measure(() => isolated.read(dataset, bytes, verified));
  // Every file read is held until the end, so nothing read earlier is freed in between.
  if (measured.read) {
    held.push(measured.read);
    firstRequests.push(await firstRequestRow(name, dataset, measured.read, bytes));
  }
  await isolated.close();
  const shapeOk = measured.outcome !== 'SUSPICIOUS_UPSTREAM_FILE';
  rows.push([
    name,
    (bytes.length / 1024 / 1024).toFixed(2),
    measured.outcome,
    fmt(measured.ms),
    fmt(measured.stallMs),
    shapeOk ? await smallestHeap(dataset, bytes, limits) : '-',
    measured.read ? (resultBytes(measured.read) / 1024 / 1024).toFixed(1) : '-',
  ]);
}
console.log(
  formatTable([
    ['file', 'MB', `outcome (heap ${DEFAULT_HEAP_MB} MB)`, 'ms', 'loop stall ms', 'smallest heap', 'kept MB'],
    ...rows,
  ]),
);
console.log(
  `\n(kept: what the server holds of the read: its columns, texts and serialized JSON; ${held.length} files held)`,
);
console.log(
  `\nfirst request of a new version: total ms / longest event-loop stall ms (bodies compressed afterwards, off it):\n${formatTable(
    [
      ['file', 'observations', 'JSON page', 'CSV', 'NDJSON', 'item filter (NDJSON)', 'quality', 'legacy'],
      ...firstRequests,
    ],
  )}`,
);

// 4. A new version at the limits replacing one whose every value differs: the worker compares the two.
{
  const isolated = reader();
  const limitsFile = longCategoryFile(40, 8_000, 20);
  const first = await isolated.read(producao, limitsFile, verified);
  const revised = Buffer.from(
    limitsFile.toString().replace(/;(\d+)(?=;|\n)/g, (_, n: string) => `;${Number(n) + 1}`),
  );
  const measured = await measure(() =>
    isolated.read(producao, revised, verified, { previous: first.columns }),
  );
  await isolated.close();
  const changes = measured.read?.revisions;
  const snapshot = measured.read
    ? new DatasetSnapshot(
        producao,
        measured.read,
        'e'.repeat(64),
        revised.length,
        new Date(),
        new BodyCache(32 << 20),
        {
          columns: first.columns,
          contentHash: 'f'.repeat(64),
          changedAt: new Date(),
          fetchedAt: new Date(),
        },
      )
    : null;
  const body = snapshot ? await measure(() => revisionsBody(snapshot)) : null;
  console.log(
    `\nrevised version at the limits (${changes?.counts.revised ?? '-'} rows revised): read and compared in ` +
      `${fmt(measured.ms)} ms, longest event-loop stall ${fmt(measured.stallMs)} ms; first /revisions body ` +
      `(${((body?.read?.body.length ?? 0) / 1e6).toFixed(1)} MB) ${body ? `${fmt(body.ms)} / ${fmt(body.stallMs)}` : '-'} ms`,
  );
}
