import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_MANIFEST, type BundleManifest, BundleManifestSchema, type DatasetId } from '@vitibrasil/core';
import { BundledSnapshotInvalid } from '../errors.js';
import { sha256Hex } from '../upstream/copy-store.js';

/** One file of the bundled snapshot, verified against its manifest. */
export interface BundledCopy {
  readonly bytes: Buffer;
  readonly contentHash: string;
  readonly release: string;
  readonly retrievedAt: Date;
  /** Where the file was fetched from when the snapshot was made. */
  readonly url: string;
}

/** Reads and validates a folder's `snapshot.json`. */
export async function readBundleManifest(dir: string): Promise<BundleManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, BUNDLE_MANIFEST), 'utf8');
  } catch (cause) {
    throw new BundledSnapshotInvalid(dir, `cannot read ${BUNDLE_MANIFEST}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new BundledSnapshotInvalid(dir, `${BUNDLE_MANIFEST} is not JSON`, { cause });
  }
  const parsed = BundleManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new BundledSnapshotInvalid(
      dir,
      `${BUNDLE_MANIFEST} is invalid: ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}

/**
 * The last resort: Embrapa's files as committed in the repository (data/vitibrasil). Nothing is read until a
 * dataset needs it, so a server whose upstream answers never pays for the bundle. The manifest is read with each
 * file (a few KB, once per dataset and outage), so a folder replaced by snapshot:update while the server runs is
 * read as a whole, never a new file against an old manifest. Each file is checked against its size and SHA-256.
 */
export class BundledFiles {
  constructor(readonly dir: string) {}

  async load(dataset: DatasetId): Promise<BundledCopy> {
    const manifest = await readBundleManifest(this.dir);
    const entry = manifest.files.find((file) => file.dataset === dataset);
    if (!entry) throw new BundledSnapshotInvalid(this.dir, `no file for ${dataset}`);
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.dir, entry.file));
    } catch (cause) {
      throw new BundledSnapshotInvalid(this.dir, `cannot read ${entry.file}`, { cause });
    }
    const contentHash = sha256Hex(bytes);
    if (bytes.length !== entry.bytes || contentHash !== entry.sha256) {
      throw new BundledSnapshotInvalid(this.dir, `${entry.file} does not match ${BUNDLE_MANIFEST}`);
    }
    return {
      bytes,
      contentHash,
      release: manifest.release,
      retrievedAt: new Date(manifest.retrieved_at),
      url: entry.url,
    };
  }
}
