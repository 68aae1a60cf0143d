import { Router } from '@koa/router';
import { DATASET_IDS, type DatasetDefinition, getDataset, isDatasetId } from '@vitibrasil/core';
import { UnknownDataset } from '../../errors.js';
import type { DatasetCache } from '../../upstream/dataset-cache.js';
import { catalog, catalogEntry } from '../catalog.js';
import { sendData } from '../data-response.js';
import type { AppState } from '../middleware/request-context.js';
import type { Catalog } from '../openapi/schemas.js';
import { noQueryParameters, parseQuery } from '../query.js';
import { qualityBody, revisionsBody } from '../reports.js';
import { RowsQuerySchema, rowsBody } from '../rows-query.js';

function datasetParam(value: string): DatasetDefinition {
  if (!isDatasetId(value)) throw new UnknownDataset(value, DATASET_IDS);
  return getDataset(value);
}

/** The tidy API: catalog, rows, and each version's quality report and revisions. */
export function v1Routes(cache: DatasetCache, upstreamUrl: (file: string) => string): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/v1' });
  const noQuery = noQueryParameters();

  router.get('/datasets', noQuery, (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = { datasets: catalog(cache, upstreamUrl) } satisfies Catalog;
  });

  router.get('/datasets/:dataset', noQuery, (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = catalogEntry(datasetParam(ctx.params.dataset ?? ''), cache, upstreamUrl);
  });

  router.get('/datasets/:dataset/rows', async (ctx) => {
    const dataset = datasetParam(ctx.params.dataset ?? '');
    const query = parseQuery(RowsQuerySchema, ctx.query);
    const served = await cache.get(dataset.id);
    const body = await rowsBody(served.snapshot, query);
    let nextUrl: string | undefined;
    if (body.nextCursor) {
      const params = new URLSearchParams(ctx.querystring);
      params.set('cursor', body.nextCursor);
      nextUrl = `${ctx.path}?${params.toString()}`;
    }
    await sendData(ctx, served, body, { nextUrl });
  });

  router.get('/datasets/:dataset/quality', noQuery, async (ctx) => {
    const dataset = datasetParam(ctx.params.dataset ?? '');
    const served = await cache.get(dataset.id);
    await sendData(ctx, served, await qualityBody(served.snapshot));
  });

  router.get('/datasets/:dataset/revisions', noQuery, async (ctx) => {
    const dataset = datasetParam(ctx.params.dataset ?? '');
    const served = await cache.get(dataset.id);
    // The comparison came to be when this version replaced the previous one, which is not when its content changed:
    // returning to an earlier version (A→B→C→B) gives the same content another comparison.
    await sendData(ctx, served, await revisionsBody(served.snapshot), {
      lastModified: served.snapshot.readAt,
    });
  });

  return router;
}
