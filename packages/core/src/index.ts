export * from './bundle.js';
export * from './catalog.js';
export * from './queries.js';
export * from './rows.js';
