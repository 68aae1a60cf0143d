import { cp, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASETS } from '@vitibrasil/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SNAPSHOT_DIR } from '../../test/snapshot.js';
import { type StaticUpstream, startStaticUpstream } from '../testing/static-upstream.js';
import { BundledFiles, readBundleManifest } from './bundled-files.js';
import { runSnapshotUpdate } from './cli.js';

/** Every file of a folder with its bytes, to prove a folder unchanged. */
async function contents(dir: string): Promise<Map<string, string>> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((x, y) => x.name.localeCompare(y.name));
  return new Map(
    await Promise.all(
      entries.map(
        async (e) =>
          [
            e.name,
            e.isDirectory() ? '<dir>' : (await readFile(join(dir, e.name))).toString('base64'),
          ] as const,
      ),
    ),
  );
}

describe('pnpm snapshot:update', () => {
  let upstream: StaticUpstream;
  let work: string;
  let target: string;
  let output: string;
  const out = { write: (text: string) => (output += text) };
  const run = (argv: string[]) =>
    runSnapshotUpdate(
      ['--dir', target, ...argv],
      { UPSTREAM_BASE_URL: upstream.url, UPSTREAM_TIMEOUT_MS: '2000', UPSTREAM_RETRIES: '0' },
      out,
      new Date('2026-11-30T12:00:00Z'),
    );

  beforeEach(async () => {
    output = '';
    work = await mkdtemp(join(tmpdir(), 'vitibrasil-update-'));
    target = join(work, 'vitibrasil');
    await cp(SNAPSHOT_DIR, target, { recursive: true });
    // The upstream publishes a new release: one more product row in Producao.csv.
    const published = join(work, 'published');
    await cp(SNAPSHOT_DIR, published, { recursive: true });
    const producao = join(published, 'Producao.csv');
    const text = await readFile(producao, 'utf8');
    const last = text.trimEnd().split('\n').at(-1) as string;
    await writeFile(producao, `${text}${last.replace(/^\d+/, '999').replace(/;[^;]*;/, ';Novo produto;')}\n`);
    upstream = await startStaticUpstream(published);
  });
  afterEach(async () => {
    await upstream.close();
    await rm(work, { recursive: true, force: true });
  });

  it('replaces the folder and snapshot.json with the upstream files, each checked by the reader', async () => {
    expect(await run(['--release', '2026-11'])).toBe(0);
    const manifest = await readBundleManifest(target);
    expect(manifest.release).toBe('2026-11');
    expect(manifest.retrieved_at).toBe('2026-11-30T12:00:00.000Z');
    expect(manifest.files.map((f) => f.file)).toEqual(DATASETS.map((d) => d.file));
    expect(manifest.files[0]?.url).toBe(`${upstream.url}Producao.csv`);
    expect(await readFile(join(target, 'Producao.csv'), 'utf8')).toContain('Novo produto');
    // What was written is a valid bundle: every file loads and matches its size and hash.
    const bundled = new BundledFiles(target);
    for (const dataset of DATASETS) expect((await bundled.load(dataset.id)).release).toBe('2026-11');
    expect((await readdir(work)).sort()).toEqual(['published', 'vitibrasil']); // no staging folder left
    expect(output).toMatch(/ok\s+Producao\.csv/);
  });

  it('writes nothing when a file is rejected, naming it and why', async () => {
    const before = await contents(target);
    upstream.setFault((file, _req, res) => {
      if (file !== 'Comercio.csv') return false;
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Manutenção</body></html>');
      return true;
    });
    expect(await run([])).toBe(1);
    expect(output).toMatch(/Comercio\.csv: MALFORMED_UPSTREAM_FILE: .*HTML/);
    expect(output).toContain('is unchanged');
    expect(await contents(target)).toEqual(before);
    expect((await readdir(work)).sort()).toEqual(['published', 'vitibrasil']);
  });

  it('writes nothing when a file cannot be fetched', async () => {
    const before = await contents(target);
    upstream.setFault((file, _req, res) => {
      if (file !== 'ExpSuco.csv') return false;
      res.writeHead(503).end();
      return true;
    });
    expect(await run([])).toBe(1);
    expect(output).toMatch(/ExpSuco\.csv: UPSTREAM_HTTP_ERROR/);
    expect(await contents(target)).toEqual(before);
  });

  it('refuses to replace a folder that is not a bundled snapshot, before fetching anything', async () => {
    const other = join(work, 'other');
    await mkdir(join(other, 'nested'), { recursive: true });
    await writeFile(join(other, 'notes.txt'), 'keep me');
    const before = await contents(other);
    expect(await runSnapshotUpdate(['--dir', other], { UPSTREAM_BASE_URL: upstream.url }, out)).toBe(2);
    expect(output).toMatch(/refusing to replace .*other: not a bundled snapshot/);
    expect(await contents(other)).toEqual(before);
    expect(upstream.hits.size).toBe(0);
    output = '';
    expect(await runSnapshotUpdate(['--dir', ''], { UPSTREAM_BASE_URL: upstream.url }, out)).toBe(2);
    expect(output).toContain('--dir needs a folder');
  });

  it('replaces the folder a symlink points at, keeping the link', async () => {
    const link = join(work, 'link');
    await symlink(target, link);
    expect(await runSnapshotUpdate(['--dir', link], { UPSTREAM_BASE_URL: upstream.url }, out)).toBe(0);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(join(target, 'Producao.csv'), 'utf8')).toContain('Novo produto');
  });

  it('answers bad arguments with the usage and exit status 2', async () => {
    expect(await run(['--bogus'])).toBe(2);
    expect(output).toContain('Usage: pnpm snapshot:update');
    output = '';
    expect(await run(['--release', '../evil'])).toBe(2);
    expect(output).toContain('--release');
  });
});
