import { resolve } from 'node:path';
import type { ApiConfig } from '../config.js';
import type { CopyStore } from './copy-store.js';
import { DiskStore } from './disk-store.js';

/**
 * The store CACHE_S3_URI or CACHE_DIR names. The AWS SDK is imported only for S3: a server keeping its copies
 * on disk never loads it.
 */
export async function openStore(config: Pick<ApiConfig, 'CACHE_DIR' | 'CACHE_S3_URI' | 'S3_ENDPOINT'>) {
  if (!config.CACHE_S3_URI) return new DiskStore(resolve(config.CACHE_DIR)) satisfies CopyStore;
  const { S3Store } = await import('./s3-store.js');
  return new S3Store({ ...config.CACHE_S3_URI, endpoint: config.S3_ENDPOINT }) satisfies CopyStore;
}
