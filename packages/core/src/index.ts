export * from './catalog.js';
export * from './rows.js';
