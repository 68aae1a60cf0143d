import { getDataset } from '@vitibrasil/core';
import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import type { YearlyTotals } from '../../data/yearly-totals.js';
import { yearlyTotalsChart } from './chart.js';

const producao = getDataset('producao');

const series = (points: YearlyTotals['points'], parts: string[] = ['A']): YearlyTotals => {
  const known = points.flatMap((p) => (p.total === null ? [] : [p.total]));
  return {
    basis: 'category-totals',
    parts,
    points,
    min: known.length ? Math.min(...known) : null,
    max: known.length ? Math.max(...known) : null,
  };
};

const render = (s: YearlyTotals) => load(yearlyTotalsChart(producao, s).markup, null, false);

describe('yearlyTotalsChart', () => {
  it('is rendered once per series', () => {
    const s = series([
      { year: 2000, total: 1 },
      { year: 2001, total: 2 },
    ]);
    expect(yearlyTotalsChart(producao, s)).toBe(yearlyTotalsChart(producao, s));
  });

  it('breaks the line at a gap, shows a lone year as a dot and marks the gaps on the axis', () => {
    const $ = render(
      series([
        { year: 2000, total: 10 },
        { year: 2001, total: 20 },
        { year: 2002, total: null },
        { year: 2003, total: 5 },
        { year: 2004, total: null },
      ]),
    );
    expect($('path.chart-line').attr('d')?.match(/M/g)).toHaveLength(1);
    expect($('circle.chart-dot')).toHaveLength(1);
    expect($('line.chart-gap')).toHaveLength(2);
    expect($('desc').text()).toBe(
      'Vertical axis from 0 to 20 L. 2003: 5 L. No total for 2002, 2004: a value was not published (a marker such as nd or *).',
    );
    // The axis range, in text inside the chart as well.
    expect(
      $('text.chart-label')
        .map((_, t) => $(t).text())
        .get(),
    ).toEqual(['20', '0', '2000', '2004']);
  });

  it('draws a single year in the middle, and a flat zero series on a nonzero axis', () => {
    const $ = render(series([{ year: 2000, total: 0 }]));
    expect($('circle.chart-dot').attr('cx')).toBe(String((52 + 310) / 2));
    expect($('svg').attr('data-high')).toBe('1');
    expect($('path')).toHaveLength(0);
  });

  it('says when no year has a total, without an empty chart', () => {
    const $ = render(series([{ year: 2000, total: null }], ['<B>']));
    expect($('svg')).toHaveLength(0);
    expect($('figcaption').text()).toBe(
      'No year has a complete total. Sum of the 1 category total rows: <B>. No total for 2000: a value was not published (a marker such as nd or *).',
    );
    expect($('b')).toHaveLength(0);
  });
});
