import type { DatasetDefinition } from '@vitibrasil/core';
import type { YearlyTotals } from '../../data/yearly-totals.js';
import { type Html, html } from './html.js';
import { numberFormat } from './number-format.js';

// Geometry of the chart, in viewBox units: the plot area and room for the axis labels around it.
const WIDTH = 320;
const HEIGHT = 120;
const PLOT = { left: 52, right: 310, top: 10, bottom: 92 } as const;
const YEAR_LABEL_Y = 110;

const compact = numberFormat({ notation: 'compact', maximumFractionDigits: 1 });
const whole = numberFormat({ maximumFractionDigits: 0 });

/** Coordinates are rounded to a tenth of a unit: finer is invisible and only makes the page heavier. */
const coordinate = (value: number): number => Math.round(value * 10) / 10;

/** Runs of consecutive years with a known total; a year without one breaks the line instead of dropping to 0. */
function segments(points: YearlyTotals['points']): { year: number; total: number }[][] {
  const runs: { year: number; total: number }[][] = [];
  let run: { year: number; total: number }[] = [];
  for (const { year, total } of points) {
    if (total === null) {
      if (run.length) runs.push(run);
      run = [];
    } else {
      run.push({ year, total });
    }
  }
  if (run.length) runs.push(run);
  return runs;
}

const rendered = new WeakMap<YearlyTotals, Html>();

/**
 * A dataset's yearly total as a small SVG line chart with its axis range in text (labels, `<title>`, caption).
 * Rendered once per series — the series lives on the data version's snapshot — so page views reuse the markup.
 */
export function yearlyTotalsChart(dataset: DatasetDefinition, series: YearlyTotals): Html {
  let chart = rendered.get(series);
  if (!chart) {
    chart = renderChart(dataset, series);
    rendered.set(series, chart);
  }
  return chart;
}

function renderChart(dataset: DatasetDefinition, series: YearlyTotals): Html {
  const { points, min, max } = series;
  const first = points[0]?.year;
  const last = points.at(-1)?.year;
  const gaps = points.filter((point) => point.total === null).map((point) => point.year);
  const what =
    series.basis === 'category-totals'
      ? `Sum of the ${series.parts.length} category total rows: ${series.parts.join(', ')}.`
      : `Sum of all ${series.parts.length} published rows (${dataset.hasValue ? 'countries' : 'items'}).`;
  const gapText = gaps.length
    ? ` No total for ${gaps.join(', ')}: a value was not published (a marker such as nd or *).`
    : '';
  if (first === undefined || last === undefined || min === null || max === null) {
    return html`<figure class="chart chart-empty"><figcaption>No year has a complete total. ${what}${gapText}</figcaption></figure>`;
  }

  // The vertical axis starts at 0 (or below, should a total be negative), so heights compare as quantities.
  const low = Math.min(0, min);
  const high = Math.max(0, max) === low ? low + 1 : Math.max(0, max);
  const x = (year: number) =>
    coordinate(
      first === last
        ? (PLOT.left + PLOT.right) / 2
        : PLOT.left + ((year - first) / (last - first)) * (PLOT.right - PLOT.left),
    );
  const y = (value: number) =>
    coordinate(PLOT.bottom - ((value - low) / (high - low)) * (PLOT.bottom - PLOT.top));

  const runs = segments(points);
  const path = runs
    .filter((run) => run.length > 1)
    .map((run) => run.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.year)} ${y(p.total)}`).join(''))
    .join('');
  // A year with a total between two gaps has no line to sit on: a dot shows it.
  const dots = runs
    .filter((run) => run.length === 1)
    .flat()
    .map((p) => html`<circle class="chart-dot" cx="${x(p.year)}" cy="${y(p.total)}" r="2"></circle>`);
  const gapTicks = gaps.map(
    (year) =>
      html`<line class="chart-gap" x1="${x(year)}" x2="${x(year)}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 5}"></line>`,
  );

  const latest = runs.at(-1)?.at(-1);
  const latestText = latest ? `${latest.year}: ${whole.format(latest.total)} ${dataset.unit}.` : '';
  const range = `${compact.format(low)} to ${compact.format(high)} ${dataset.unit}`;
  const titleId = `chart-${dataset.id}-title`;
  const descId = `chart-${dataset.id}-desc`;
  return html`<figure class="chart">
<svg class="chart-svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${titleId} ${descId}" data-year-from="${first}" data-year-to="${last}" data-low="${low}" data-high="${high}">
<title id="${titleId}">${dataset.id}: yearly total, ${first}–${last}</title>
<desc id="${descId}">Vertical axis from ${range}. ${latestText}${gapText}</desc>
<line class="chart-axis" x1="${PLOT.left}" x2="${PLOT.right}" y1="${PLOT.bottom}" y2="${PLOT.bottom}"></line>
<line class="chart-axis" x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${PLOT.bottom}"></line>
<text class="chart-label" x="${PLOT.left - 4}" y="${PLOT.top + 4}" text-anchor="end">${compact.format(high)}</text>
<text class="chart-label" x="${PLOT.left - 4}" y="${PLOT.bottom}" text-anchor="end">${compact.format(low)}</text>
<text class="chart-label" x="${PLOT.left}" y="${YEAR_LABEL_Y}" text-anchor="start">${first}</text>
<text class="chart-label" x="${PLOT.right}" y="${YEAR_LABEL_Y}" text-anchor="end">${last}</text>
${path ? html`<path class="chart-line" d="${path}"></path>` : null}${dots}${gapTicks}
</svg>
<figcaption>Yearly total, ${first}–${last}, in ${dataset.unit}; axis from ${range}. Latest, ${latestText} ${what}${gapText}</figcaption>
</figure>`;
}
