import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevelName } from './config.js';

export type { Logger } from '@aws-lambda-powertools/logger';

export const SERVICE_NAME = 'vitibrasil-ingest';

/** Structured JSON logs on stdout (Powertools for AWS Lambda: CloudWatch-ready, Lambda context when added). */
export function createLogger(level: LogLevelName): Logger {
  return new Logger({ serviceName: SERVICE_NAME, logLevel: level });
}
