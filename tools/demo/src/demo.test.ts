import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASET_IDS } from '@vitibrasil/core';
import { afterEach, describe, expect, it } from 'vitest';
import { runDemo } from './demo.js';

describe('pnpm demo', () => {
  const temps: string[] = [];
  const lakeDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vitibrasil-demo-'));
    temps.push(dir);
    return join(dir, 'lake');
  };
  afterEach(async () => {
    for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const capture = () => {
    let text = '';
    return { io: { write: (t: string) => (text += t), stopped: () => Promise.resolve() }, text: () => text };
  };

  it('runs the chain offline on the bundled files and prints the lake and the query tables', async () => {
    const lake = await lakeDir();
    const out = capture();
    expect(await runDemo(['--lake', lake], {}, out.io)).toBe(0);
    const text = out.text();
    for (const n of [1, 2, 3, 4, 5]) expect(text).toMatch(new RegExp(`^\\[${n}/5\\] `, 'm'));
    for (const id of DATASET_IDS)
      expect(text).toMatch(new RegExp(`^ +${id} +[\\d,]+ +[\\d.]+ KB +upstream$`, 'm'));
    expect(text).toContain('15 of 15 datasets, 56,765 rows');
    // The query tables, with figures from Embrapa's 2025-06 files.
    expect(text).toMatch(/Top destinations of Brazilian wine[\s\S]*Paraguai +2024 +3,705,268 +5,121,857/);
    expect(text).toMatch(/Production by category[\s\S]*VINHO DE MESA +2023 +169,762,429/);
    expect(text).toMatch(/Total production, last ten years[\s\S]*2023 +457,792,870 +4/);
    expect(text).toContain(`The lake is in ${lake}`);
    expect((await readdir(join(lake, 'curated'))).sort()).toEqual(
      DATASET_IDS.map((id) => `dataset=${id}`).sort(),
    );
  });

  it('with --live and the upstream unreachable, serves and ingests the bundle', async () => {
    const out = capture();
    // A closed port on loopback: connection refused at once.
    const env = { UPSTREAM_BASE_URL: 'http://127.0.0.1:9/download/' };
    expect(await runDemo(['--live', '--lake', await lakeDir()], env, out.io)).toBe(0);
    expect(out.text()).toMatch(/^ +producao +2,754 +[\d.]+ KB +bundled 2025-06$/m);
  });

  it('with --serve keeps the API answering until stopped, and prints its URLs', async () => {
    let text = '';
    let statuses: number[] = [];
    const io = {
      write: (t: string) => (text += t),
      // "Ctrl-C" comes once every printed URL has been called.
      stopped: async () => {
        const urls = [...text.matchAll(/^ +(http:\/\/127\.0\.0\.1:\d+\/\S*) /gm)].map((m) => m[1] as string);
        expect(urls.map((u) => new URL(u).pathname)).toEqual(['/', '/docs/', '/v1/datasets', '/producaoCSV']);
        statuses = await Promise.all(urls.map(async (u) => (await fetch(u)).status));
      },
    };
    expect(await runDemo(['--serve', '--lake', await lakeDir()], {}, io)).toBe(0);
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(text).toContain('stopping');
  });

  it('answers bad arguments with the usage and exit status 2', async () => {
    for (const argv of [['--bogus'], ['--lake'], ['extra']]) {
      const out = capture();
      expect(await runDemo(argv, {}, out.io)).toBe(2);
      expect(out.text()).toContain('Usage: pnpm demo');
    }
  });
});
