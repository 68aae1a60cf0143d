import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface LocalS3 {
  readonly endpoint: string;
  readonly bucket: string;
  /** A client of its own, for reading back what the ingester wrote. */
  readonly client: S3Client;
  listKeys(prefix?: string): Promise<string[]>;
  getObject(key: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** s3rver on 127.0.0.1 (free port) over a temp folder, with one empty bucket. */
export async function startS3rver(bucket = 'lake'): Promise<LocalS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    bucket,
    client,
    async listKeys(prefix = '') {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    async getObject(key) {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!response.Body) throw new Error(`no body for ${key}`);
      return response.Body.transformToByteArray();
    },
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Copies every object under `prefix` into `dir`, keys as relative paths, so DuckDB can read what S3 holds. */
export async function downloadPrefix(s3: LocalS3, prefix: string, dir: string): Promise<string[]> {
  const keys = await s3.listKeys(prefix);
  for (const key of keys) {
    const target = path.join(dir, ...key.slice(prefix.length).split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, await s3.getObject(key));
  }
  return keys;
}
