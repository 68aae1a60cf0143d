import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASETS, type DatasetId, getDataset, type Revision, type TidyRow } from '@vitibrasil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CatalogEntry, QualityReportSchema, RevisionsSchema } from '../src/http/openapi/schemas.js';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { eventually, removeDir, sleep, startTestApi, type TestApi } from './support.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The published lines of a file and their line ending, to edit a copy as Embrapa would publish it. */
function linesOf(text: string) {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return { eol, lines: text.split(eol) };
}

const revision = (
  change: Revision['change'],
  key: TidyRow,
  before: TidyRow | null,
  after: TidyRow | null,
): Revision => ({
  dataset: key.dataset,
  category: key.category,
  item: key.item,
  country: key.country,
  year: key.year,
  change,
  old_quantity: before?.quantity ?? null,
  new_quantity: after?.quantity ?? null,
  old_value_usd: before?.value_usd ?? null,
  new_value_usd: after?.value_usd ?? null,
  old_flag: before?.quantity_flag ?? null,
  new_flag: after?.quantity_flag ?? null,
  old_value_flag: before?.value_flag ?? null,
  new_value_flag: after?.value_flag ?? null,
});

/**
 * Two releases: the bundled files, then a copy where ExpVinho.csv has a value changed in a past year, a country
 * added and a country removed, and Producao.csv an item revised in 1990. The API holds the first, the upstream
 * switches to the second, and /revisions must report exactly those changes.
 */
describe('GET /v1/datasets/{dataset}/revisions', () => {
  let dir: string;
  let upstream: StaticUpstream;
  let api: TestApi;
  const before = new Map<DatasetId, TidyRow[]>();
  const originals = new Map<DatasetId, Buffer>();
  const edited = new Map<DatasetId, Buffer>();
  let expected: Map<DatasetId, Revision[]>;

  const rowsOf = async (id: DatasetId): Promise<TidyRow[]> =>
    (await (await api.get(`/v1/datasets/${id}/rows?format=ndjson`)).text())
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as TidyRow);
  const entryOf = async (id: DatasetId) =>
    (await (await api.get(`/v1/datasets/${id}`)).json()) as CatalogEntry;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revisions-upstream-'));
    await cp(SNAPSHOT_DIR, dir, { recursive: true });
    upstream = await startStaticUpstream(dir);
    api = await startTestApi(upstream.url, { CACHE_TTL_SECONDS: '1' });
    for (const { id } of DATASETS) before.set(id, await rowsOf(id));

    // ExpVinho.csv: tab-delimited, `Id, País`, then kg and US$ per year.
    const vinho = getDataset('exportacao_vinho');
    const vinhoBytes = await readFile(join(dir, vinho.file));
    originals.set('exportacao_vinho', vinhoBytes);
    const { eol, lines } = linesOf(vinhoBytes.toString('utf8'));
    const header = (lines[0] ?? '').split('\t');
    const kg2010 = header.indexOf('2010');
    const revisedLine = lines.findIndex((line) => line.split('\t')[1] === 'Paraguai');
    const revisedCells = (lines[revisedLine] ?? '').split('\t');
    const oldKg = Number(revisedCells[kg2010]);
    revisedCells[kg2010] = String(oldKg + 1234);
    lines[revisedLine] = revisedCells.join('\t');
    const removedLine = lines.findIndex((line) => line.split('\t')[1] === 'Angola');
    expect([revisedLine, removedLine].every((line) => line > 0)).toBe(true);
    lines.splice(removedLine, 1);
    const years = header.length - 2;
    const added = ['999', 'Atlântida', ...Array.from({ length: years }, (_, i) => String(100 + i))].join(
      '\t',
    );
    const last = lines.findLastIndex((line) => line.trim() !== '');
    lines.splice(last + 1, 0, added);
    edited.set('exportacao_vinho', Buffer.from(lines.join(eol)));

    // Producao.csv: `id;control;produto;years`; the first Tinto is VINHO DE MESA's.
    const producao = getDataset('producao');
    const producaoBytes = await readFile(join(dir, producao.file));
    originals.set('producao', producaoBytes);
    const p = linesOf(producaoBytes.toString('utf8'));
    const y1990 = (p.lines[0] ?? '').split(';').indexOf('1990');
    const tinto = p.lines.findIndex((line) => line.split(';')[2] === 'Tinto');
    const tintoCells = (p.lines[tinto] ?? '').split(';');
    tintoCells[y1990] = String(Number(tintoCells[y1990]) - 500);
    p.lines[tinto] = tintoCells.join(';');
    edited.set('producao', Buffer.from(p.lines.join(p.eol)));

    // The expected changes, from the first release's rows and the edits alone.
    const vinhoRows = before.get('exportacao_vinho') ?? [];
    const paraguay = vinhoRows.find((r) => r.country === 'Paraguai' && r.year === 2010);
    if (!paraguay) throw new Error('no Paraguai 2010 row');
    expect(paraguay.quantity).toBe(oldKg);
    const atlantida: TidyRow[] = Array.from({ length: years / 2 }, (_, i) => ({
      ...paraguay,
      country: 'Atlântida',
      year: 1970 + i,
      quantity: 100 + 2 * i,
      value_usd: 101 + 2 * i,
    }));
    const producaoRows = before.get('producao') ?? [];
    const tinto1990 = producaoRows.find(
      (r) => r.item === 'Tinto' && r.category === 'VINHO DE MESA' && r.year === 1990,
    );
    if (!tinto1990 || tinto1990.quantity === null) throw new Error('no Tinto 1990 row');
    expected = new Map([
      [
        'exportacao_vinho',
        [
          revision('revised', paraguay, paraguay, { ...paraguay, quantity: oldKg + 1234 }),
          ...atlantida.map((row) => revision('added', row, null, row)),
          ...vinhoRows
            .filter((r) => r.country === 'Angola')
            .map((row) => revision('removed', row, row, null)),
        ],
      ],
      [
        'producao',
        [revision('revised', tinto1990, tinto1990, { ...tinto1990, quantity: tinto1990.quantity - 500 })],
      ],
    ]);
  });

  afterAll(async () => {
    await api?.close();
    if (api) await removeDir(api.cacheDir);
    await upstream?.close();
    await removeDir(dir);
  });

  it('is a 404 problem saying so while only one version has been read', async () => {
    const response = await api.get('/v1/datasets/producao/revisions');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { code: string; detail: string };
    expect(problem.code).toBe('NO_PREVIOUS_VERSION');
    expect(problem.detail).toContain(sha256(originals.get('producao') ?? Buffer.alloc(0)).slice(0, 12));
    expect((await entryOf('producao')).cached?.previous).toBeNull();
  });

  it('reports every row added, removed and revised by the next release, and nothing else', async () => {
    for (const [id, bytes] of edited) await writeFile(join(dir, getDataset(id).file), bytes);
    await sleep(1100); // past the TTL: the next request refreshes in the background
    for (const id of edited.keys()) {
      await api.get(`/v1/datasets/${id}/rows?limit=1`);
      await eventually(async () => (await entryOf(id)).cached?.previous != null);
    }

    for (const [id, changes] of expected) {
      const response = await api.get(`/v1/datasets/${id}/revisions`);
      expect(response.status, id).toBe(200);
      for (const header of ['etag', 'last-modified', 'x-data-source', 'x-data-fetched-at']) {
        expect(response.headers.get(header), header).not.toBeNull();
      }
      const body = RevisionsSchema.parse(await response.json());
      expect(body.dataset).toBe(id);
      expect(body.previous.content_hash).toBe(sha256(originals.get(id) ?? Buffer.alloc(0)));
      expect(body.current.content_hash).toBe(sha256(edited.get(id) ?? Buffer.alloc(0)));
      expect(Date.parse(body.previous.fetched_at)).toBeLessThan(Date.parse(body.current.fetched_at));
      expect(body.changes).toEqual(changes);
      const counts = { added: 0, removed: 0, revised: 0 };
      for (const change of changes) counts[change.change]++;
      expect(body.summary).toEqual(counts);
      expect((await entryOf(id)).cached?.previous).toEqual({
        content_hash: body.previous.content_hash,
        fetched_at: body.previous.fetched_at,
        ...counts,
      });
      // Both versions' rows as served agree with the changes: nothing else moved.
      const after = await rowsOf(id);
      const key = (r: TidyRow) => JSON.stringify([r.category, r.item, r.country, r.year]);
      const changed = new Set(changes.map((c) => JSON.stringify([c.category, c.item, c.country, c.year])));
      expect(after.filter((r) => !changed.has(key(r)))).toEqual(
        (before.get(id) ?? []).filter((r) => !changed.has(key(r))),
      );
    }

    // The datasets the release did not change have no previous version.
    const unchanged = await api.get('/v1/datasets/comercializacao/revisions');
    expect(unchanged.status).toBe(404);

    // The new version has its own quality report.
    const report = QualityReportSchema.parse(await (await api.get('/v1/datasets/producao/quality')).json());
    expect(report.content_hash).toBe(sha256(edited.get('producao') ?? Buffer.alloc(0)));
    expect(
      report.totals_mismatches.find((m) => m.category === 'VINHO DE MESA' && m.year === 1990),
    ).toMatchObject({
      difference: 500,
      kind: 'discrepancy',
    });
  });

  it('keeps the previous version while the upstream confirms the new one', async () => {
    const first = await (await api.get('/v1/datasets/producao/revisions')).text();
    const hits = upstream.hits.get('Producao.csv') ?? 0;
    await sleep(1100);
    await api.get('/v1/datasets/producao/rows?limit=1');
    await eventually(() => (upstream.hits.get('Producao.csv') ?? 0) > hits);
    await eventually(async () => (await entryOf('producao')).cached?.state === 'fresh');
    const again = await api.get('/v1/datasets/producao/revisions');
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(first);
  });

  it('compares with the version just replaced, not an older one: only that one is kept', async () => {
    const second = edited.get('producao') ?? Buffer.alloc(0);
    const third = Buffer.from(
      second.toString('utf8').replace(/;Branco;(\d+);/, (_, n: string) => `;Branco;${Number(n) + 7};`),
    );
    expect(third.equals(second)).toBe(false);
    await writeFile(join(dir, 'Producao.csv'), third);
    await sleep(1100);
    await api.get('/v1/datasets/producao/rows?limit=1');
    await eventually(async () => (await entryOf('producao')).cached?.content_hash === sha256(third));
    const body = RevisionsSchema.parse(await (await api.get('/v1/datasets/producao/revisions')).json());
    expect(body.previous.content_hash).toBe(sha256(second));
    expect(body.current.content_hash).toBe(sha256(third));
    expect(body.changes).toEqual([
      expect.objectContaining({ change: 'revised', item: 'Branco', year: 1970, country: null }),
    ]);
    expect((body.changes[0]?.new_quantity ?? 0) - (body.changes[0]?.old_quantity ?? 0)).toBe(7);
  });

  it('compares content served again (A→B→C→B) with the version it replaced, with its own ETag and dates', async () => {
    const file = join(dir, getDataset('comercializacao').file);
    const a = await readFile(file);
    // B: a 1990 value of the second line revised; C: a 2000 value of the third line too.
    const revise = (bytes: Buffer, line: number, year: string, delta: number): Buffer => {
      const { eol, lines } = linesOf(bytes.toString('utf8'));
      const column = (lines[0] ?? '').split(';').indexOf(year);
      const cells = (lines[line] ?? '').split(';');
      cells[column] = String(Number(cells[column]) + delta);
      lines[line] = cells.join(';');
      return Buffer.from(lines.join(eol));
    };
    const b = revise(a, 2, '1990', 11);
    const c = revise(b, 3, '2000', 13);
    const publish = async (bytes: Buffer) => {
      await writeFile(file, bytes);
      await sleep(1100); // past the TTL; Last-Modified has one-second resolution
      await api.get('/v1/datasets/comercializacao/rows?limit=1');
      await eventually(async () => (await entryOf('comercializacao')).cached?.content_hash === sha256(bytes));
    };
    const revisions = (headers?: Record<string, string>) =>
      api.get('/v1/datasets/comercializacao/revisions', headers);
    const quality = async () =>
      QualityReportSchema.parse(await (await api.get('/v1/datasets/comercializacao/quality')).json());

    await publish(b);
    const first = await revisions();
    const firstBody = RevisionsSchema.parse(await first.json());
    const firstTag = first.headers.get('etag') ?? '';
    const firstDate = first.headers.get('last-modified') ?? '';
    expect(firstBody.previous.content_hash).toBe(sha256(a));
    const firstChecked = (await quality()).checked_at;

    await publish(c);
    await publish(b);
    const again = await revisions();
    expect(again.status).toBe(200);
    const body = RevisionsSchema.parse(await again.json());
    expect(body.previous.content_hash).toBe(sha256(c));
    expect(body.current.content_hash).toBe(sha256(b));
    expect(body.changes).toEqual([
      expect.objectContaining({ change: 'revised', year: 2000, category: expect.any(String) }),
    ]);
    expect((body.changes[0]?.old_quantity ?? 0) - (body.changes[0]?.new_quantity ?? 0)).toBe(13);
    expect(Date.parse(body.current.fetched_at)).toBeGreaterThan(Date.parse(firstBody.current.fetched_at));
    expect(Date.parse(body.previous.fetched_at)).toBeGreaterThan(Date.parse(firstBody.current.fetched_at));
    expect((await entryOf('comercializacao')).cached?.previous).toMatchObject({
      content_hash: sha256(c),
      fetched_at: body.previous.fetched_at,
      revised: 1,
    });
    // Validators follow the comparison: neither the first one's ETag nor its date confirms this one.
    expect(again.headers.get('etag')).not.toBe(firstTag);
    expect(Date.parse(again.headers.get('last-modified') ?? '')).toBe(
      Math.floor(Date.parse(body.current.fetched_at) / 1000) * 1000,
    );
    expect((await revisions({ 'if-none-match': firstTag })).status).toBe(200);
    expect((await revisions({ 'if-modified-since': firstDate })).status).toBe(200);
    expect((await revisions({ 'if-none-match': again.headers.get('etag') ?? '' })).status).toBe(304);

    // B served again is a new version (its own changed_at), and its quality report says so.
    const entry = await entryOf('comercializacao');
    const report = await quality();
    expect(report.checked_at).toBe(entry.cached?.changed_at);
    expect(Date.parse(report.checked_at)).toBeGreaterThan(Date.parse(firstChecked));
  });
});

describe('revisions from the bundled snapshot to the upstream', () => {
  it('compares the first upstream file with the bundled release it replaces, unless it has the same bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'revisions-bundled-'));
    await cp(SNAPSHOT_DIR, dir, { recursive: true });
    const upstream = await startStaticUpstream(dir);
    let failing = true;
    upstream.setFault((_file, _req, res) => {
      if (!failing) return false;
      res.writeHead(503).end();
      return true;
    });
    const api = await startTestApi(upstream.url, { CACHE_TTL_SECONDS: '1', UPSTREAM_RETRIES: '0' });
    try {
      for (const id of ['comercializacao', 'producao']) {
        const bundled = await api.get(`/v1/datasets/${id}/rows?limit=1`);
        expect(bundled.headers.get('x-data-source')).toBe('bundled; state=stale-if-error');
      }
      const original = await readFile(join(SNAPSHOT_DIR, 'Comercio.csv'));
      const width = (original.toString('utf8').split('\n')[0] ?? '').split(';').length;
      const added = ['99', 'VINHO DE MESA', 'Laranja', '1', ...Array<string>(width - 4).fill('')].join(';');
      const newer = Buffer.from(`${original.toString('utf8')}${added}\n`);
      await writeFile(join(dir, 'Comercio.csv'), newer);
      failing = false;
      await eventually(async () => {
        await api.get('/v1/datasets/comercializacao/rows?limit=1');
        const entry = (await (await api.get('/v1/datasets/comercializacao')).json()) as CatalogEntry;
        return entry.cached?.origin === 'upstream';
      }, 20_000);
      const body = RevisionsSchema.parse(
        await (await api.get('/v1/datasets/comercializacao/revisions')).json(),
      );
      expect(body.previous.content_hash).toBe(sha256(original));
      expect(body.current.content_hash).toBe(sha256(newer));
      // The new row has a number for 1970 only: its other years are empty cells, added all the same.
      expect(body.summary).toMatchObject({ removed: 0, revised: 0 });
      expect(body.changes.every((c) => c.change === 'added' && c.item === 'Laranja')).toBe(true);
      expect(body.changes.find((c) => c.year === 1970)?.new_quantity).toBe(1);

      // The upstream serving the bundle's very bytes is no new release: nothing to compare.
      await eventually(async () => {
        await api.get('/v1/datasets/producao/rows?limit=1');
        const entry = (await (await api.get('/v1/datasets/producao')).json()) as CatalogEntry;
        return entry.cached?.origin === 'upstream';
      }, 20_000);
      const same = await api.get('/v1/datasets/producao/revisions');
      expect(same.status).toBe(404);
      expect(await same.json()).toMatchObject({ code: 'NO_PREVIOUS_VERSION' });
    } finally {
      await api.close();
      await removeDir(api.cacheDir);
      await upstream.close();
      await removeDir(dir);
    }
  });
});
