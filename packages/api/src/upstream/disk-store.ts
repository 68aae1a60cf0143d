import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CopyStore,
  dataName,
  isDataNameOf,
  type StoredCopy,
  type StoredMeta,
  StoredMetaSchema,
  sha256Hex,
} from './copy-store.js';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * The last good copy of each upstream file, as published, in CACHE_DIR. Bytes are content-addressed
 * (`Producao.csv.<hash>`) and `<file>.meta.json` names the current one; each is written under a temporary name and
 * renamed, the metadata last. A crash at any point leaves the previous copy or the new one loadable, never neither.
 */
export class DiskStore implements CopyStore {
  constructor(private readonly dir: string) {}

  get location(): string {
    return this.dir;
  }

  private async writeAtomically(path: string, content: string | Buffer): Promise<void> {
    const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
    try {
      await writeFile(temporary, content);
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async save(meta: StoredMeta, bytes: Buffer | null): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const current = dataName(meta.file, meta.contentHash);
    if (bytes) await this.writeAtomically(join(this.dir, current), bytes);
    await this.writeAtomically(join(this.dir, `${meta.file}.meta.json`), JSON.stringify(meta, null, 2));
    // Older copies of this file are garbage once the metadata points at the new one.
    for (const name of await readdir(this.dir)) {
      if (isDataNameOf(meta.file, name) && name !== current) await rm(join(this.dir, name), { force: true });
    }
  }

  async load(file: string): Promise<StoredCopy | null> {
    let meta: StoredMeta;
    let bytes: Buffer;
    try {
      const parsed = StoredMetaSchema.safeParse(
        JSON.parse(await readFile(join(this.dir, `${file}.meta.json`), 'utf8')),
      );
      if (!parsed.success || parsed.data.file !== file) return null;
      meta = parsed.data;
      bytes = await readFile(join(this.dir, dataName(file, meta.contentHash)));
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    return meta.contentHash === sha256Hex(bytes) ? { bytes, meta } : null;
  }

  /** Moves the metadata and every copy of `file` into `quarantine/<file>.<time>/`, beside `reason.txt`. */
  async quarantine(file: string, reason: string): Promise<void> {
    const aside = join(this.dir, 'quarantine', `${file}.${new Date().toISOString().replace(/[:.]/g, '-')}`);
    await mkdir(aside, { recursive: true });
    await writeFile(join(aside, 'reason.txt'), `${reason}\n`);
    const names = (await readdir(this.dir)).filter(
      (name) => name === `${file}.meta.json` || isDataNameOf(file, name),
    );
    // The metadata first: once it is gone nothing loads this copy, whatever happens to the rest.
    names.sort((a, b) => Number(b.endsWith('.meta.json')) - Number(a.endsWith('.meta.json')));
    for (const name of names) {
      await rename(join(this.dir, name), join(aside, name)).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    }
  }

  async close(): Promise<void> {}
}
