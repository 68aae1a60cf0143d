#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type Env, loadConfig } from './config.js';
import { ConfigError } from './errors.js';
import { ingestWithConfig } from './ingest.js';
import { createLogger } from './logger.js';
import { processingDateOf } from './processing-date.js';
import type { DatasetResult, RunResult } from './results.js';

const USAGE = `Usage: node dist/cli.js [options]

Runs one ingestion: every dataset from the API into the lake. Options override the environment.

  --api URL           API_BASE_URL      (default http://127.0.0.1:3000)
  --lake URI          LAKE_URI          s3://bucket/prefix, file:// URL or folder (default ./lake)
  --date YYYY-MM-DD   PROCESSING_DATE   (default: today in America/Sao_Paulo)
  --datasets a,b      DATASETS          subset of dataset ids (default: all 15)
  --raw               RAW=true          also keep the API's NDJSON, gzip, under raw/
  -h, --help

Structured logs (JSON, LOG_LEVEL, default WARN here) go to stdout with the progress lines.
Exit status: 0 when every dataset was written, 1 when any failed, 2 on a usage or configuration error.`;

export interface CliOutput {
  write(text: string): unknown;
}

/** Runs the CLI; resolves to the process exit code. */
export async function runCli(
  argv: readonly string[],
  env: Env,
  out: CliOutput,
  now: Date = new Date(),
): Promise<number> {
  let overrides: Record<string, string | undefined>;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        api: { type: 'string' },
        lake: { type: 'string' },
        date: { type: 'string' },
        datasets: { type: 'string' },
        raw: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      out.write(`${USAGE}\n`);
      return 0;
    }
    overrides = {
      API_BASE_URL: values.api,
      LAKE_URI: values.lake,
      PROCESSING_DATE: values.date,
      DATASETS: values.datasets,
      RAW: values.raw ? 'true' : undefined,
    };
  } catch (error) {
    out.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }

  const merged: Record<string, string | undefined> = { LOG_LEVEL: 'WARN', ...env };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  let result: RunResult;
  try {
    const config = loadConfig(merged);
    const processingDate = config.processingDate ?? processingDateOf(now);
    out.write(
      `ingesting ${config.datasets.length} dataset(s) from ${config.apiBaseUrl} for processing_date=${processingDate}\n`,
    );
    result = await ingestWithConfig(config, {
      processingDate,
      logger: createLogger(config.logLevel),
      onDataset: (d) => out.write(`${progressLine(d)}\n`),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      out.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  out.write(`\n${summaryTable(result)}\n`);
  return result.outcome === 'succeeded' ? 0 : 1;
}

export function progressLine(d: DatasetResult): string {
  if (d.outcome === 'written') {
    return `  ok    ${d.dataset.padEnd(26)} ${formatCount(d.rows).padStart(7)} rows ${formatBytes(d.bytes).padStart(9)} ${String(d.durationMs).padStart(6)} ms`;
  }
  return `  FAIL  ${d.dataset.padEnd(26)} ${d.error?.code ?? 'UNEXPECTED'}: ${d.error?.message ?? ''}`;
}

export function summaryTable(result: RunResult): string {
  const header = ['dataset', 'outcome', 'rows', 'previous', 'parquet', 'tries', 'ms', 'error'];
  const body = result.datasets.map((d) => [
    d.dataset,
    d.outcome,
    formatCount(d.rows),
    d.previousRows === null ? '-' : formatCount(d.previousRows),
    d.outcome === 'written' ? formatBytes(d.bytes) : '-',
    String(d.attempts),
    String(d.durationMs),
    d.error ? d.error.code : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const right = new Set([2, 3, 4, 5, 6]);
  const format = (row: readonly string[]) =>
    row
      .map((cell, i) =>
        right.has(i) ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number),
      )
      .join('  ')
      .trimEnd();
  const written = result.datasets.filter((d) => d.outcome === 'written');
  const lines = [
    format(header),
    format(widths.map((w) => '-'.repeat(w))),
    ...body.map(format),
    '',
    `run ${result.runId}  processing_date=${result.processingDate}  ${result.outcome.toUpperCase()} in ${result.durationMs} ms`,
    `${written.length} written (${formatCount(written.reduce((s, d) => s + d.rows, 0))} rows), ${result.datasets.length - written.length} failed`,
    `lake      ${result.lakeUri}`,
    `manifest  ${result.manifestKey}`,
    `run log   ${result.logKey}`,
    ...result.errors.map((e) => `error     ${e.code}: ${e.message}`),
  ];
  return lines.join('\n');
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  runCli(process.argv.slice(2), process.env, process.stdout).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
