import { DATASETS } from '@vitibrasil/core';
import { cachedBody } from '../../data/cached-body.js';
import { datasetPath, legacyPath, rowsPath } from '../catalog.js';
import type { HomeIndex } from '../openapi/schemas.js';

export const SERVICE_NAME = 'Vitibrasil data service';

export const SERVICE_SUMMARY =
  "Brazil's wine-industry statistics — production, processing by grape group, commercialization, imports and " +
  'exports — as Embrapa publishes them on its Vitibrasil site in 15 irregular CSV files, read correctly and ' +
  "served as tidy rows (JSON, NDJSON, CSV), in the original service's legacy routes, and still served when " +
  "Embrapa's site is down.";

/** Where everything is, for clients that ask GET / for JSON. It depends on nothing but the code: built once. */
export const HOME_INDEX: HomeIndex = {
  service: SERVICE_NAME,
  description: SERVICE_SUMMARY,
  links: {
    home: '/',
    docs: '/docs/',
    openapi: '/openapi.json',
    catalog: '/v1/datasets',
    health: '/healthz',
    ready: '/readyz',
    metrics: '/metrics',
  },
  datasets: DATASETS.map((dataset) => ({
    id: dataset.id,
    title: dataset.title,
    catalog_url: datasetPath(dataset),
    rows_url: rowsPath(dataset),
    csv_url: `${rowsPath(dataset)}?format=csv`,
    legacy_route: legacyPath(dataset),
  })),
};

export const HOME_INDEX_BODY = cachedBody(JSON.stringify(HOME_INDEX), 'application/json; charset=utf-8');
