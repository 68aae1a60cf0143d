import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_MANIFEST, BundleManifestSchema, DATASETS } from '@vitibrasil/core';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_DIR } from './snapshot.js';

describe('the bundled snapshot in data/vitibrasil', () => {
  const manifest = BundleManifestSchema.parse(
    JSON.parse(readFileSync(join(SNAPSHOT_DIR, BUNDLE_MANIFEST), 'utf8')),
  );

  it('lists every dataset under its upstream file name and URL', () => {
    expect(manifest.files.map((f) => [f.dataset, f.file])).toEqual(DATASETS.map((d) => [d.id, d.file]));
    for (const entry of manifest.files) {
      expect(entry.url).toBe(`http://vitibrasil.cnpuv.embrapa.br/download/${entry.file}`);
    }
  });

  it('holds exactly the listed files, each with the size and SHA-256 the manifest gives', () => {
    expect(readdirSync(SNAPSHOT_DIR).sort()).toEqual(
      [BUNDLE_MANIFEST, ...manifest.files.map((f) => f.file)].sort(),
    );
    for (const entry of manifest.files) {
      const bytes = readFileSync(join(SNAPSHOT_DIR, entry.file));
      expect({ file: entry.file, bytes: bytes.length }).toEqual({ file: entry.file, bytes: entry.bytes });
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
    }
  });
});
