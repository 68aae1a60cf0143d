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
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return meta.contentHash === sha256Hex(bytes) ? { bytes, meta } : null;
  }

  /**
   * Moves the copy of `file` that was read, named by its hash, into `quarantine/<time>-<file>/` with a `reason.txt`,
   * so that it is never loaded again but stays there for a person to look at; the metadata goes with it only while
   * it still names that copy. Another process sharing CACHE_DIR may have stored a good copy meanwhile: that one and
   * its metadata stay. Returns the folder.
   */
  async quarantine(file: string, contentHash: string, reason: string): Promise<string> {
    const folder = join(this.dir, 'quarantine', `${new Date().toISOString().replaceAll(':', '-')}-${file}`);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'reason.txt'), `${reason}\n`);
    const moveAside = async (name: string) => {
      try {
        await rename(join(this.dir, name), join(folder, name));
      } catch (error) {
        // Already replaced and removed by a process storing a newer copy: nothing to move.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    };
    await moveAside(dataName(file, contentHash));
    const metaName = `${file}.meta.json`;
    let named: string | null = null;
    try {
      const parsed = StoredMetaSchema.safeParse(JSON.parse(await readFile(join(this.dir, metaName), 'utf8')));
      named = parsed.success ? parsed.data.contentHash : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
    }
    if (named === contentHash) await moveAside(metaName);
    return folder;
  }

  async close(): Promise<void> {}
}
