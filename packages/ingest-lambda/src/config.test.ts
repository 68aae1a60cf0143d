import { DATASET_IDS } from '@vitibrasil/core';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs with no variables at all', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      apiBaseUrl: 'http://127.0.0.1:3000',
      apiKey: undefined,
      lakeUri: './lake',
      processingDate: undefined,
      datasets: DATASET_IDS,
      awsRegion: 'us-east-1',
      s3Endpoint: undefined,
      keepRaw: false,
      concurrency: 4,
      maxAttempts: 4,
      minRowRatio: 0.5,
      logLevel: 'INFO',
    });
  });

  it('reads every variable, trims, and treats empty strings as unset', () => {
    const config = loadConfig({
      API_BASE_URL: 'https://api.example.test/base/',
      API_KEY: ' secret ',
      LAKE_URI: 's3://bucket/prefix',
      PROCESSING_DATE: '2024-02-29',
      DATASETS: 'exportacao_suco, producao,producao',
      AWS_REGION: 'sa-east-1',
      S3_ENDPOINT: 'http://127.0.0.1:4568',
      RAW: 'true',
      CONCURRENCY: '2',
      REQUEST_TIMEOUT_MS: '5000',
      MAX_ATTEMPTS: '1',
      MIN_ROW_RATIO: '0.9',
      LOG_LEVEL: 'debug',
      CACHE_DIR: '',
    });
    expect(config).toMatchObject({
      apiBaseUrl: 'https://api.example.test/base',
      apiKey: 'secret',
      lakeUri: 's3://bucket/prefix',
      processingDate: '2024-02-29',
      datasets: ['producao', 'exportacao_suco'],
      awsRegion: 'sa-east-1',
      s3Endpoint: 'http://127.0.0.1:4568',
      keepRaw: true,
      concurrency: 2,
      requestTimeoutMs: 5000,
      maxAttempts: 1,
      minRowRatio: 0.9,
      logLevel: 'DEBUG',
    });
    expect(loadConfig({ PROCESSING_DATE: '  ', RAW: '' }).processingDate).toBeUndefined();
  });

  it('names every offending variable with its value', () => {
    const error = configError({
      PROCESSING_DATE: '2025-02-30',
      DATASETS: 'producao,vinho_verde',
      CONCURRENCY: 'many',
      API_BASE_URL: 'ftp://x',
      RAW: 'maybe',
      MIN_ROW_RATIO: '2',
    });
    expect(error.code).toBe('CONFIG_INVALID');
    const byKey = Object.fromEntries(error.problems.map((p) => [p.split(':')[0], p]));
    expect(Object.keys(byKey).sort()).toEqual(
      ['API_BASE_URL', 'CONCURRENCY', 'DATASETS', 'MIN_ROW_RATIO', 'PROCESSING_DATE', 'RAW'].sort(),
    );
    expect(byKey.PROCESSING_DATE).toContain('"2025-02-30"');
    expect(byKey.DATASETS).toContain('vinho_verde');
    expect(error.message).toMatch(/^invalid configuration: /);
  });

  it('refuses credentials in API_BASE_URL, which would reach error messages and the run log', () => {
    const error = configError({ API_BASE_URL: 'http://svc:s3cret@api.example.test' });
    expect(error.problems.join('\n')).toMatch(/API_BASE_URL.*must not contain credentials/);
  });

  it('never echoes the API key', () => {
    expect(loadConfig({ API_KEY: 'k' }).apiKey).toBe('k');
    const error = configError({ API_KEY: 'top-secret', CONCURRENCY: '0' });
    expect(error.message).not.toContain('top-secret');
  });
});
