import { createHash } from 'node:crypto';
import { z } from 'zod';

/** What is kept beside each upstream file: where and when it was fetched, its validators and its hash. */
export const StoredMetaSchema = z.object({
  file: z.string(),
  url: z.string(),
  fetchedAt: z.iso.datetime(),
  changedAt: z.iso.datetime(),
  etag: z.string().nullable(),
  lastModified: z.string().nullable(),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** Rows and observations of the copy served before this one (the row guard compares with both); absent before. */
  previous: z
    .object({ rows: z.number().int().nonnegative(), observations: z.number().int().nonnegative() })
    .nullable()
    .default(null),
});

export type StoredMeta = z.infer<typeof StoredMetaSchema>;

export interface StoredCopy {
  readonly bytes: Buffer;
  readonly meta: StoredMeta;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Name of the content-addressed copy of `file` whose bytes hash to `hash`: `Producao.csv.<16 hex>`. */
export const dataName = (file: string, hash: string): string => `${file}.${hash.slice(0, 16)}`;

/** True when `name` is a content-addressed copy of `file` (see dataName). */
export const isDataNameOf = (file: string, name: string): boolean =>
  name.startsWith(`${file}.`) && /^[0-9a-f]{16}$/.test(name.slice(file.length + 1));

/**
 * Where the cache keeps the last good copy of each upstream file across restarts: a folder (DiskStore,
 * CACHE_DIR) or an S3 prefix (S3Store, CACHE_S3_URI — on Lambda, where the disk vanishes with the instance).
 * Every implementation writes the bytes before the metadata that names them, so a crash leaves the previous
 * copy or the new one loadable, never neither.
 */
export interface CopyStore {
  /** Where the copies are, for logs: a folder or an `s3://` URI. */
  readonly location: string;
  /** The stored copy, or null when absent or inconsistent (its bytes no longer match its metadata). */
  load(file: string): Promise<StoredCopy | null>;
  /** Saves a new copy, or with `bytes` null only refreshes the metadata of the copy already stored. */
  save(meta: StoredMeta, bytes: Buffer | null): Promise<void>;
  /**
   * Moves the copy of `file` that was read (the one with `contentHash`) aside (`quarantine/<time>-<file>/`, with a
   * `reason.txt`), so it is kept for a person to look at but never loaded again; the metadata goes with it only
   * while it still names that copy. A good copy another process sharing the store saved meanwhile stays. Returns
   * where it went.
   */
  quarantine(file: string, contentHash: string, reason: string): Promise<string>;
  /** Releases connections (the S3 client); the store is not used afterwards. */
  close(): Promise<void>;
}
