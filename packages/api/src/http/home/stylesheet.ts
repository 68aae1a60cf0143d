import { cachedBody } from '../../data/cached-body.js';

/** The home page's path to its stylesheet, relative so the page works wherever the API is mounted. */
export const STYLESHEET_PATH = 'home.css';

// A file, not a <style> element or style attributes: the page then needs nothing from the CSP's inline allowances.
export const STYLESHEET = cachedBody(
  `:root {
  color-scheme: light dark;
  --muted: #5b6470;
  --line: #7b2d43;
  --border: #d6d9de;
  --fresh: #1d6b3a;
  --stale: #8a5a00;
  --error: #a1262d;
}
@media (prefers-color-scheme: dark) {
  :root { --muted: #a3abb6; --line: #e58aa3; --border: #3a3f46; --fresh: #7fd49b; --stale: #f0c060; --error: #f28b8b; }
}
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 3rem; }
header p { max-width: 48rem; }
nav ul, .dataset-links { display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; list-style: none; padding: 0; margin: 0.5rem 0; }
code { font-size: 0.95em; }
.summary, .muted, figcaption, .legend { color: var(--muted); }
.legend { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; font-size: 0.9rem; }
.legend dt { font-weight: 600; }
.legend dd { margin: 0; }
.datasets { display: grid; grid-template-columns: repeat(auto-fill, minmax(21rem, 1fr)); gap: 1rem; list-style: none; padding: 0; }
.dataset { border: 1px solid var(--border); border-radius: 0.5rem; padding: 0.75rem 1rem; display: flex; flex-direction: column; gap: 0.4rem; }
.dataset h3 { font-size: 1rem; margin: 0; }
.dataset p { margin: 0; }
.dataset h3 code { display: block; font-size: 1.05rem; }
.dataset h3 span { font-weight: 400; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0 0.75rem; margin: 0; font-size: 0.9rem; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.state { font-weight: 600; }
.state-fresh { color: var(--fresh); }
.state-stale, .state-missing { color: var(--stale); }
.state-locked { color: var(--muted); }
.state-stale-if-error, .failure { color: var(--error); }
.failure { font-size: 0.9rem; margin: 0; overflow-wrap: anywhere; }
.chart { margin: 0; }
.chart figcaption { font-size: 0.8rem; }
.chart-svg { display: block; width: 100%; height: auto; }
.chart-line { fill: none; stroke: var(--line); stroke-width: 1.5; stroke-linejoin: round; stroke-linecap: round; }
.chart-dot { fill: var(--line); }
.chart-axis, .chart-gap { stroke: var(--muted); stroke-width: 1; }
.chart-label { fill: var(--muted); font-size: 10px; }
`,
  'text/css; charset=utf-8',
);
