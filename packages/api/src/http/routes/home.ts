import { Router } from '@koa/router';
import { DATASETS } from '@vitibrasil/core';
import { type CachedBody, cachedBody } from '../../data/cached-body.js';
import { NotAcceptable } from '../../errors.js';
import type { DatasetCache } from '../../upstream/dataset-cache.js';
import { catalogEntry } from '../catalog.js';
import { sendBody } from '../data-response.js';
import { HOME_INDEX_BODY } from '../home/index-document.js';
import { type HomeDataset, homePage } from '../home/page.js';
import { STYLESHEET, STYLESHEET_PATH } from '../home/stylesheet.js';
import type { AppState } from '../middleware/request-context.js';
import { noQueryParameters } from '../query.js';

export interface HomeOptions {
  readonly cache: DatasetCache;
  readonly upstreamUrl: (file: string) => string;
  /** API_KEYS is set: the page shows data only to a request that carries a valid key. */
  readonly keysRequired: boolean;
}

const HTML = 'text/html';
const JSON_TYPE = 'application/json';

/**
 * GET /: the home page for browsers, an index of links for clients asking for JSON. The page reads only what the
 * cache holds (`status`, never `get`): a page view never makes the API fetch from the upstream.
 */
export function homeRoutes({ cache, upstreamUrl, keysRequired }: HomeOptions): Router<AppState> {
  const router = new Router<AppState>({ strict: true });
  const noQuery = noQueryParameters();

  const datasets = (): HomeDataset[] =>
    DATASETS.map((dataset) => ({
      dataset,
      entry: catalogEntry(dataset, cache, upstreamUrl),
      series: cache.status(dataset.id).served?.snapshot.yearlyTotals() ?? null,
    }));

  // The last page rendered, per variant, with what it was rendered from: views while nothing changes reuse its
  // body, hash and compressed forms. The catalog entries carry every fact the page shows (the content hash stands
  // for the series), so equal entries make an equal page.
  const rendered = new Map<boolean, { readonly facts: string; readonly body: CachedBody }>();
  const pageBody = (showData: boolean): CachedBody => {
    const current = datasets();
    const facts = JSON.stringify(current.map((d) => d.entry));
    const last = rendered.get(showData);
    if (last?.facts === facts) return last.body;
    const body = cachedBody(homePage({ datasets: current, showData }), 'text/html; charset=utf-8', {
      effort: 'fast',
    });
    rendered.set(showData, { facts, body });
    return body;
  };

  router.get('/', noQuery, (ctx) => {
    ctx.vary('Accept');
    // Without Accept, or with */*, the first type wins: a person typing the address gets the page.
    const type = ctx.accepts(HTML, JSON_TYPE);
    if (type === JSON_TYPE) {
      ctx.set('Cache-Control', 'no-cache');
      return sendBody(ctx, HOME_INDEX_BODY);
    }
    if (type !== HTML) throw new NotAcceptable([HTML, JSON_TYPE]);
    const showData = !keysRequired || ctx.state.client.authenticated;
    if (keysRequired) {
      // What the page shows depends on the key sent: no shared cache may keep it, nor hand one client's to another.
      ctx.vary('Authorization');
      ctx.vary('X-Api-Key');
    }
    ctx.set('Cache-Control', keysRequired ? 'private, no-cache' : 'no-cache');
    return sendBody(ctx, pageBody(showData));
  });

  router.get(`/${STYLESHEET_PATH}`, noQuery, (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    return sendBody(ctx, STYLESHEET);
  });

  return router;
}
