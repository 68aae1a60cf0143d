import { type Logger, pino } from 'pino';
import type { ApiConfig } from './config.js';

/** Structured JSON logs on stdout; one logger per process, children per request. */
export function createLogger(config: Pick<ApiConfig, 'LOG_LEVEL'>): Logger {
  return pino({
    level: config.LOG_LEVEL,
    base: { service: 'vitibrasil-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
