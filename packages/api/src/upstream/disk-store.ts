import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const StoredMetaSchema = z.object({
  file: z.string(),
  url: z.string(),
  fetchedAt: z.iso.datetime(),
  changedAt: z.iso.datetime(),
  etag: z.string().nullable(),
  lastModified: z.string().nullable(),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
});

export type StoredMeta = z.infer<typeof StoredMetaSchema>;

export interface StoredCopy {
  readonly bytes: Buffer;
  readonly meta: StoredMeta;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The last good copy of each upstream file, as published, in CACHE_DIR: `<file>` plus `<file>.meta.json`.
 * Written to a temporary name and renamed, so a crash never leaves a half-written copy that loads.
 */
export class DiskStore {
  constructor(private readonly dir: string) {}

  async save(bytes: Buffer, meta: StoredMeta): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const dataPath = join(this.dir, meta.file);
    const suffix = `.tmp-${process.pid}-${Date.now()}`;
    await writeFile(dataPath + suffix, bytes);
    await rename(dataPath + suffix, dataPath);
    await writeFile(`${dataPath}.meta.json${suffix}`, JSON.stringify(meta, null, 2));
    await rename(`${dataPath}.meta.json${suffix}`, `${dataPath}.meta.json`);
  }

  /** The stored copy, or null when absent or inconsistent (its hash no longer matches its metadata). */
  async load(file: string): Promise<StoredCopy | null> {
    const dataPath = join(this.dir, file);
    let bytes: Buffer;
    let metaText: string;
    try {
      [bytes, metaText] = await Promise.all([readFile(dataPath), readFile(`${dataPath}.meta.json`, 'utf8')]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const meta = StoredMetaSchema.safeParse(JSON.parse(metaText));
    if (!meta.success || meta.data.file !== file || meta.data.contentHash !== sha256Hex(bytes)) return null;
    return { bytes, meta: meta.data };
  }
}
