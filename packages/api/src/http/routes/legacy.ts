import { Router } from '@koa/router';
import { DATASETS, type DatasetDefinition, type DatasetFamily, legacyTipos } from '@vitibrasil/core';
import { UnknownTipo } from '../../errors.js';
import type { DatasetCache } from '../../upstream/dataset-cache.js';
import { sendData } from '../data-response.js';
import type { AppState } from '../middleware/request-context.js';

/**
 * The original Flask service's routes, same paths and JSON shape. `tipo` is matched case-insensitively against
 * the catalog before anything else happens: it never reaches an upstream URL.
 */
export function legacyRoutes(cache: DatasetCache): Router<AppState> {
  const router = new Router<AppState>();
  const serve = async (ctx: Parameters<Parameters<typeof router.get>[1]>[0], dataset: DatasetDefinition) => {
    const served = await cache.get(dataset.id);
    await sendData(ctx, served, served.snapshot.legacyBody());
  };

  const byFamily = new Map<DatasetFamily, DatasetDefinition[]>();
  for (const dataset of DATASETS)
    byFamily.set(dataset.family, [...(byFamily.get(dataset.family) ?? []), dataset]);

  for (const [family, datasets] of byFamily) {
    const [first] = datasets;
    if (!first) continue;
    if (first.legacy.tipo === null) {
      router.get(first.legacy.path, (ctx) => serve(ctx, first));
      continue;
    }
    const byTipo = new Map(datasets.map((d) => [(d.legacy.tipo ?? '').toLowerCase(), d]));
    router.get(`${first.legacy.path}/tipo/:tipo`, (ctx) => {
      const tipo = ctx.params.tipo ?? '';
      const dataset = byTipo.get(tipo.toLowerCase());
      if (!dataset) throw new UnknownTipo(tipo, legacyTipos(family));
      return serve(ctx, dataset);
    });
  }
  return router;
}
