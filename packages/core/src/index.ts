export * from './bundle.js';
export * from './catalog.js';
export * from './rows.js';
