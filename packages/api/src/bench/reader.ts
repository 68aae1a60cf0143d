import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkRows, DATASETS, type DatasetDefinition, diffRows, type TidyRow } from '@vitibrasil/core';
import { serializeLegacy } from '../reader/legacy.js';
import { readDataset } from '../reader/read-dataset.js';
import { envNumber, formatTable, percentile, snapshotDir } from './common.js';

/**
 * How long reading the 15 upstream files takes: once cold (fresh process, first call of every code path), then
 * warm (median and p95 over BENCH_ITERATIONS further passes); of it, the quality checks; and, run with
 * `--expose-gc`, the heap one version's rows of every dataset take (what keeping the previous versions costs); and
 * the row diff between two versions (/revisions, the catalog's counts, the ingester's revisions/), over every
 * dataset and over a version whose rows all share one key (the diff must stay linear in repeated keys).
 * Prints figures only; never asserts on them.
 */
const dir = snapshotDir();
const iterations = Math.round(envNumber('BENCH_ITERATIONS', 50));
const ms = (value: number): string => value.toFixed(2);

const files: { dataset: DatasetDefinition; bytes: Buffer; diskMs: number }[] = [];
for (const dataset of DATASETS) {
  const start = performance.now();
  const bytes = await readFile(join(dir, dataset.file));
  files.push({ dataset, bytes, diskMs: performance.now() - start });
}

const cold = files.map(({ dataset, bytes, diskMs }) => {
  const start = performance.now();
  const read = readDataset(dataset, bytes, { lengthVerified: true });
  const parseMs = performance.now() - start;
  const legacyStart = performance.now();
  const legacy = serializeLegacy(read.legacy);
  const legacyMs = performance.now() - legacyStart;
  const tidyStart = performance.now();
  const tidy = JSON.stringify(read.rows);
  const tidyMs = performance.now() - tidyStart;
  return {
    file: dataset.file,
    bytes: bytes.length,
    rows: read.rows.length,
    diskMs,
    parseMs,
    legacyMs,
    legacyBytes: Buffer.byteLength(legacy),
    tidyMs,
    tidyBytes: Buffer.byteLength(tidy),
  };
});

// Summing row counts keeps the warm passes' results observable, so no work can be optimised away.
let sink = 0;
const warm: number[] = [];
for (let i = 0; i < iterations; i++) {
  const start = performance.now();
  for (const { dataset, bytes } of files)
    sink += readDataset(dataset, bytes, { lengthVerified: true }).rows.length;
  warm.push(performance.now() - start);
}

// The quality checks alone, over rows already read (readDataset runs them as its last step).
const readOnce = files.map(
  ({ dataset, bytes }) => readDataset(dataset, bytes, { lengthVerified: true }).rows,
);
const checks: number[] = [];
for (let i = 0; i < iterations; i++) {
  const start = performance.now();
  for (const rows of readOnce) sink += checkRows(rows, null).totals_mismatches.length;
  checks.push(performance.now() - start);
}

// The row diff: every dataset against a copy with each row's quantity changed (all revised), and rows that all
// share one key (a file publishing the same line over and over), matched occurrence by occurrence.
const revisedCopies = readOnce.map((rows) =>
  rows.map((row) => ({ ...row, quantity: (row.quantity ?? 0) + 1 })),
);
const diffs: number[] = [];
for (let i = 0; i < iterations; i++) {
  const start = performance.now();
  readOnce.forEach((rows, d) => {
    sink += diffRows(rows, revisedCopies[d] ?? []).length;
  });
  diffs.push(performance.now() - start);
}
const repeatedCount = Math.round(envNumber('BENCH_REPEATED_KEY_ROWS', 12_000));
const repeated = Array.from(
  { length: repeatedCount },
  (_, i): TidyRow => ({
    dataset: 'importacao_vinhos',
    category: null,
    item: null,
    country: 'Outros',
    year: 2020,
    quantity: i,
    quantity_flag: null,
    value_usd: i,
    value_flag: null,
    unit: 'kg',
    is_total: false,
  }),
);
const repeatedStart = performance.now();
sink += diffRows(repeated, [...repeated.slice(1), { ...repeated[0], quantity: -1 } as TidyRow]).length;
const repeatedMs = performance.now() - repeatedStart;

/** Heap taken by one more version's rows of every dataset, after full collections; null without --expose-gc. */
function heapOfOneVersion(): number | null {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) return null;
  collect();
  const before = process.memoryUsage().heapUsed;
  const held = files.map(({ dataset, bytes }) => readDataset(dataset, bytes, { lengthVerified: true }).rows);
  collect();
  const after = process.memoryUsage().heapUsed;
  sink += held.length;
  return after - before;
}
const versionHeap = heapOfOneVersion();

const sum = (pick: (row: (typeof cold)[number]) => number): number =>
  cold.reduce((t, row) => t + pick(row), 0);
const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
console.log(`snapshot: ${dir}  (node ${process.version})\n`);
console.log(
  formatTable([
    ['file', 'KiB', 'rows', 'disk ms', 'cold parse ms', 'legacy ms', 'legacy KiB', 'tidy ms', 'tidy KiB'],
    ...cold.map((r) => [
      r.file,
      kb(r.bytes),
      String(r.rows),
      ms(r.diskMs),
      ms(r.parseMs),
      ms(r.legacyMs),
      kb(r.legacyBytes),
      ms(r.tidyMs),
      kb(r.tidyBytes),
    ]),
    [
      'total',
      kb(sum((r) => r.bytes)),
      String(sum((r) => r.rows)),
      ms(sum((r) => r.diskMs)),
      ms(sum((r) => r.parseMs)),
      ms(sum((r) => r.legacyMs)),
      kb(sum((r) => r.legacyBytes)),
      ms(sum((r) => r.tidyMs)),
      kb(sum((r) => r.tidyBytes)),
    ],
  ]),
);
console.log(
  `\ncold, all ${cold.length} files: parse ${ms(sum((r) => r.parseMs))} ms, ` +
    `disk read + parse ${ms(sum((r) => r.diskMs + r.parseMs))} ms`,
);
console.log(
  `warm, all ${cold.length} files (${iterations} passes): median ${ms(percentile(warm, 50))} ms, ` +
    `p95 ${ms(percentile(warm, 95))} ms, min ${ms(Math.min(...warm))} ms  [rows read: ${sink}]`,
);
console.log(
  `of which the quality checks, warm: median ${ms(percentile(checks, 50))} ms, p95 ${ms(percentile(checks, 95))} ms`,
);
console.log(
  `row diff, every dataset against a copy with every row revised (${sum((r) => r.rows)} rows): ` +
    `median ${ms(percentile(diffs, 50))} ms, p95 ${ms(percentile(diffs, 95))} ms`,
);
console.log(`row diff, ${repeatedCount} rows sharing one key: ${ms(repeatedMs)} ms`);
console.log(
  versionHeap === null
    ? 'heap of one version of every dataset: run with node --expose-gc'
    : `heap of one version's rows of every dataset (the most the previous versions held can cost): ${(versionHeap / 1048576).toFixed(1)} MiB`,
);
