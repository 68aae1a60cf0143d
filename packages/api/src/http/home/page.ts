import type { DatasetDefinition } from '@vitibrasil/core';
import type { YearlyTotals } from '../../data/yearly-totals.js';
import { datasetPath } from '../catalog.js';
import type { CatalogEntry } from '../openapi/schemas.js';
import { yearlyTotalsChart } from './chart.js';
import { type Html, html } from './html.js';
import { HOME_INDEX, SERVICE_NAME, SERVICE_SUMMARY } from './index-document.js';
import { numberFormat } from './number-format.js';
import { STYLESHEET_PATH } from './stylesheet.js';

/** One dataset as the page shows it: its catalog entry and, when a copy is held, its yearly total. */
export interface HomeDataset {
  readonly dataset: DatasetDefinition;
  readonly entry: CatalogEntry;
  readonly series: YearlyTotals | null;
}

export interface HomeView {
  readonly datasets: readonly HomeDataset[];
  /** False when API keys are required and the request carries none: the page then shows no data, only links. */
  readonly showData: boolean;
}

type Cached = NonNullable<CatalogEntry['cached']>;

const ORIGIN_TEXT: Record<Cached['origin'], string> = {
  upstream: 'from the upstream',
  disk: 'from the store (CACHE_DIR or CACHE_S3_URI)',
  bundled: 'from the bundled snapshot',
};

/** Relative, so links work wherever the API is mounted (the page is at its root). */
const here = (path: string): string => `.${path}`;

const count = numberFormat();

const time = (iso: string): Html =>
  html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;

// A data: icon: the browser asks for /favicon.ico otherwise, and a page that only gets a 404 back looks broken.
const ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='9' r='6' fill='%237b2d43'/%3E%3C/svg%3E";

function stateLine(cached: Cached | null, showData: boolean): Html {
  if (!showData) return html`<p class="state state-locked">Data needs an API key.</p>`;
  if (!cached)
    return html`<p class="state state-missing">Not fetched yet: the first request for its rows fetches it.</p>`;
  const release = cached.release === null ? '' : ` ${cached.release}`;
  return html`<p class="state state-${cached.state}">${cached.state} · ${ORIGIN_TEXT[cached.origin]}${release}</p>`;
}

function facts(cached: Cached, dataset: DatasetDefinition): Html {
  const years = cached.year_from === null ? 'none' : `${cached.year_from}–${cached.year_to}`;
  return html`<dl class="facts">
<dt>${cached.origin === 'bundled' ? 'retrieved' : 'fetched'}</dt><dd>${time(cached.fetched_at)}</dd>
<dt>rows</dt><dd>${count.format(cached.row_count)} tidy rows (${count.format(cached.published_rows)} published)</dd>
<dt>years</dt><dd>${years}</dd>
<dt>unit</dt><dd>${dataset.unit}${dataset.hasValue ? ' and US$' : ''}</dd>
</dl>`;
}

function datasetItem({ dataset, entry, series }: HomeDataset, showData: boolean): Html {
  const cached = showData ? entry.cached : null;
  const failure = showData ? entry.last_error : null;
  return html`<li class="dataset" id="${dataset.id}" data-dataset="${dataset.id}" data-state="${cached?.state ?? (showData ? 'missing' : 'locked')}">
<h3><code>${dataset.id}</code> <span>${dataset.title}</span></h3>
${stateLine(cached, showData)}
${cached ? facts(cached, dataset) : null}
${cached && series ? yearlyTotalsChart(dataset, series) : null}
${failure ? html`<p class="failure">Last upstream failure, ${time(failure.at)}: <code>${failure.code}</code> ${failure.message}</p>` : null}
<ul class="dataset-links">
<li><a href="${here(entry.rows_url)}">rows (JSON)</a></li>
<li><a href="${here(`${entry.rows_url}?format=csv`)}">CSV</a></li>
<li><a href="${here(entry.legacy_route)}">legacy <code>${entry.legacy_route}</code></a></li>
<li><a href="${here(datasetPath(dataset))}">catalog entry</a></li>
<li><a href="${entry.upstream_url}">source file</a></li>
</ul>
</li>`;
}

function summary({ datasets, showData }: HomeView): Html {
  if (!showData) {
    return html`<p class="summary">This server requires an API key for data: send it as <code>x-api-key</code> or
<code>Authorization: Bearer</code>. The documentation and this list of links are open.</p>`;
  }
  const held = datasets.filter((d) => d.entry.cached !== null).length;
  return html`<p class="summary">${held} of ${datasets.length} datasets held. This page never fetches from the
upstream: a dataset not held yet is fetched by the first request for its rows.</p>
<dl class="legend">
<dt>fresh</dt><dd>confirmed by the upstream within the cache's time to live</dd>
<dt>stale</dt><dd>past it; the next request for its data serves it and refreshes it</dd>
<dt>stale-if-error</dt><dd>the last refresh failed; the last good copy is served</dd>
<dt>from the store</dt><dd>restored from CACHE_DIR (or CACHE_S3_URI) at start</dd>
<dt>bundled</dt><dd>the snapshot committed with the service, used only while the upstream fails</dd>
</dl>`;
}

/** The home page: what the service is, where its documents are, and each dataset with its state and chart. */
export function homePage(view: HomeView): string {
  const { links } = HOME_INDEX;
  return `<!DOCTYPE html>
${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${SERVICE_NAME}</title>
<link rel="stylesheet" href="${here(`/${STYLESHEET_PATH}`)}">
<link rel="icon" href="${ICON}">
</head>
<body>
<header>
<h1>${SERVICE_NAME}</h1>
<p>${SERVICE_SUMMARY}</p>
<nav aria-label="Documents">
<ul>
<li><a href="${here(links.docs)}">API documentation</a></li>
<li><a href="${here(links.openapi)}">OpenAPI document</a></li>
<li><a href="${here(links.catalog)}">catalog (JSON)</a></li>
<li><a href="${here(links.ready)}">readiness</a></li>
</ul>
</nav>
</header>
<main>
<h2 id="datasets">Datasets</h2>
${summary(view)}
<ul class="datasets">
${view.datasets.map((d) => datasetItem(d, view.showData))}
</ul>
</main>
</body>
</html>
`}`;
}
