import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LakeError } from '../errors.js';
import type { Destination } from './destination.js';

/**
 * A lake in a local folder. Each object is written to a temporary file beside its final name and renamed
 * over it, so a reader sees either the old object or the new one, never half of one.
 */
export class LocalDestination implements Destination {
  readonly uri: string;
  readonly #root: string;

  constructor(root: string) {
    this.#root = path.resolve(root);
    this.uri = pathToFileURL(this.#root).href;
  }

  #path(key: string): string {
    const full = path.resolve(this.#root, ...key.split('/'));
    if (full !== this.#root && !full.startsWith(this.#root + path.sep)) {
      throw new LakeError('LAKE_WRITE', key, new Error('key escapes the lake root'));
    }
    return full;
  }

  async put(key: string, body: Uint8Array, _contentType?: string): Promise<void> {
    const target = this.#path(key);
    const temp = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(temp, body);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw new LakeError('LAKE_WRITE', key, error);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.#path(key));
    } catch (error) {
      if (isCode(error, 'ENOENT')) return null;
      throw new LakeError('LAKE_READ', key, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    try {
      const entries = await readdir(this.#path(prefix), { recursive: true, withFileTypes: true });
      return entries
        .filter((entry) => entry.isFile() && !entry.name.endsWith('.tmp'))
        .map((entry) => path.relative(this.#root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
    } catch (error) {
      if (isCode(error, 'ENOENT')) return [];
      throw new LakeError('LAKE_READ', prefix, error);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await rm(this.#path(key), { force: true });
    } catch (error) {
      throw new LakeError('LAKE_WRITE', key, error);
    }
  }

  async close(): Promise<void> {}
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === code;
}
