import { lstat, mkdir, readdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BUNDLE_MANIFEST, type BundleManifest, DATASETS, type DatasetDefinition } from '@vitibrasil/core';
import { errorCode, SnapshotTargetRefused } from '../errors.js';
import { readDataset } from '../reader/read-dataset.js';
import type { UpstreamClient } from '../upstream/client.js';
import { sha256Hex } from '../upstream/copy-store.js';

export interface FetchedFile {
  readonly dataset: DatasetDefinition;
  readonly url: string;
  readonly bytes: Buffer;
  readonly rows: number;
}

export interface RejectedFile {
  readonly dataset: DatasetDefinition;
  readonly code: string;
  readonly reason: string;
}

export type UpdateResult =
  | { readonly outcome: 'written'; readonly manifest: BundleManifest; readonly files: readonly FetchedFile[] }
  | { readonly outcome: 'rejected'; readonly rejected: readonly RejectedFile[] };

export interface UpdateOptions {
  readonly client: Pick<UpstreamClient, 'fetchFile' | 'urlOf'>;
  /** The bundle folder to replace. */
  readonly dir: string;
  readonly release: string;
  readonly now?: Date;
  /** Told as each file is fetched and read. */
  readonly onFile?: (file: FetchedFile | RejectedFile) => void;
}

/** Fetches one file and reads it with the API's own reader: bytes the reader refuses never reach the bundle. */
async function fetchAndRead(
  client: UpdateOptions['client'],
  dataset: DatasetDefinition,
): Promise<FetchedFile | RejectedFile> {
  try {
    const response = await client.fetchFile(dataset.file);
    if (response.status !== 200) throw new Error(`unexpected ${response.status} to an unconditional request`);
    const read = readDataset(dataset, response.body, {
      contentType: response.contentType,
      lengthVerified: response.lengthVerified,
    });
    return { dataset, url: response.url, bytes: response.body, rows: read.rows.length };
  } catch (error) {
    return {
      dataset,
      code: errorCode(error),
      reason: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Replaces the bundled snapshot with the upstream's current files, all or nothing: every file is fetched and read
 * first; only when all 15 are good is a new folder written beside the old one and swapped in by renames. A
 * rejected file leaves the old snapshot as it was.
 */
export async function updateSnapshot(options: UpdateOptions): Promise<UpdateResult> {
  const dir = await replaceableFolder(options.dir);
  const results = await Promise.all(
    DATASETS.map(async (dataset) => {
      const result = await fetchAndRead(options.client, dataset);
      options.onFile?.(result);
      return result;
    }),
  );
  const rejected = results.filter((r): r is RejectedFile => 'code' in r);
  if (rejected.length > 0) return { outcome: 'rejected', rejected };
  const files = results as FetchedFile[];
  const manifest: BundleManifest = {
    release: options.release,
    retrieved_at: (options.now ?? new Date()).toISOString(),
    note: `Fetched by snapshot:update from ${new URL('.', files[0]?.url).href}; each file read by the API's reader.`,
    files: files.map((f) => ({
      dataset: f.dataset.id,
      file: f.dataset.file,
      url: f.url,
      bytes: f.bytes.length,
      sha256: sha256Hex(f.bytes),
    })),
  };
  await replaceFolder(dir, async (staging) => {
    for (const f of files) await writeFile(join(staging, f.dataset.file), f.bytes);
    await writeFile(join(staging, BUNDLE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  });
  return { outcome: 'written', manifest, files };
}

/**
 * The folder to replace, symlinks resolved: absent (it is created), or a bundled snapshot — `snapshot.json` and
 * CSV files, nothing else. Anything else would be deleted by the swap, so it is refused before any fetch.
 */
export async function replaceableFolder(dir: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return dir;
    throw error;
  }
  if (!(await lstat(real)).isDirectory()) throw new SnapshotTargetRefused(dir, 'not a folder');
  const entries = await readdir(real, { withFileTypes: true });
  const foreign = entries.filter(
    (e) => !e.isFile() || !(e.name === BUNDLE_MANIFEST || /^[A-Za-z0-9]+\.csv$/.test(e.name)),
  );
  if (!entries.some((e) => e.name === BUNDLE_MANIFEST) || foreign.length > 0) {
    const found =
      foreign.length > 0
        ? `; it holds ${foreign
            .map((e) => e.name)
            .slice(0, 3)
            .join(', ')}`
        : '';
    throw new SnapshotTargetRefused(
      dir,
      `not a bundled snapshot (${BUNDLE_MANIFEST} and CSV files only)${found}`,
    );
  }
  return real;
}

/** Writes a folder's new content beside it, then swaps it in: the old folder survives any failure before the swap. */
async function replaceFolder(dir: string, fill: (staging: string) => Promise<void>): Promise<void> {
  const suffix = `${process.pid}-${Date.now()}`;
  const staging = join(dirname(dir), `.${basename(dir)}.new-${suffix}`);
  const previous = join(dirname(dir), `.${basename(dir)}.old-${suffix}`);
  await mkdir(staging, { recursive: true });
  try {
    await fill(staging);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  let moved = false;
  try {
    await rename(dir, previous);
    moved = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }
  try {
    await rename(staging, dir);
  } catch (error) {
    if (moved) await rename(previous, dir);
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  if (moved) await rm(previous, { recursive: true, force: true });
}
