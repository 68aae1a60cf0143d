import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { ConfigError, SnapshotTargetRefused } from '../errors.js';
import { UpstreamClient } from '../upstream/client.js';
import { updateSnapshot } from './update-snapshot.js';

const USAGE = `Usage: pnpm snapshot:update [-- options]

Fetches the 15 files from UPSTREAM_BASE_URL, reads each with the API's reader and, only when all are good,
replaces the bundled snapshot (BUNDLED_SNAPSHOT_DIR, default data/vitibrasil) and its snapshot.json.

  --release LABEL   release label recorded in snapshot.json (default: this month, YYYY-MM)
  --dir DIR         folder to replace (default: BUNDLED_SNAPSHOT_DIR)
  -h, --help

Exit status: 0 written; 1 a file was rejected, could not be fetched or written (nothing replaced); 2 usage,
configuration, or a --dir that is not a bundled snapshot folder (snapshot.json and CSV files only).`;

export interface CliOutput {
  write(text: string): unknown;
}

/** Runs the command; resolves to the process exit code. */
export async function runSnapshotUpdate(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  out: CliOutput,
  now: Date = new Date(),
): Promise<number> {
  let values: { release?: string; dir?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        release: { type: 'string' },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
    if (values.dir !== undefined && values.dir.trim() === '') throw new Error('--dir needs a folder');
    if (values.release !== undefined && !/^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$/.test(values.release)) {
      throw new Error('--release: letters, digits, dot, dash or underscore, at most 32 characters');
    }
  } catch (error) {
    out.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    out.write(`${error.message}\n`);
    return 2;
  }
  const dir = resolve(values.dir ?? config.BUNDLED_SNAPSHOT_DIR);
  const release = values.release ?? now.toISOString().slice(0, 7);
  const client = new UpstreamClient(config);
  out.write(`fetching 15 files from ${config.UPSTREAM_BASE_URL}\n`);
  try {
    const result = await updateSnapshot({
      client,
      dir,
      release,
      now,
      onFile: (f) =>
        out.write(
          'code' in f
            ? `  FAIL  ${f.dataset.file.padEnd(24)} ${f.reason}\n`
            : `  ok    ${f.dataset.file.padEnd(24)} ${String(f.bytes.length).padStart(8)} bytes ${String(f.rows).padStart(6)} rows\n`,
        ),
    });
    if (result.outcome === 'rejected') {
      out.write(`\nnothing written: ${result.rejected.length} file(s) rejected; ${dir} is unchanged\n`);
      for (const r of result.rejected) out.write(`  ${r.dataset.file}: ${r.code}: ${r.reason}\n`);
      return 1;
    }
    out.write(`\nwrote release ${release} (${result.files.length} files and snapshot.json) to ${dir}\n`);
    return 0;
  } catch (error) {
    if (error instanceof SnapshotTargetRefused) {
      out.write(`${error.message}\n`);
      return 2;
    }
    out.write(`\nnothing written: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await client.close();
  }
}
