export * from './bundle.js';
export * from './catalog.js';
export * from './quality.js';
export * from './quality-schemas.js';
export * from './queries.js';
export * from './revision-schemas.js';
export * from './revisions.js';
export * from './rows.js';
