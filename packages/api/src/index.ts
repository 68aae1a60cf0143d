export { type ApiConfig, ApiConfigSchema, loadConfig } from './config.js';
export * from './errors.js';
export { createApp } from './http/app.js';
export { SWAGGER_UI_FILES } from './http/docs/assets.js';
export { createLogger } from './logger.js';
export { type Api, createApi, type RunningServer, startServer } from './server.js';
