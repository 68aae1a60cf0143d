import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import type { Destination, LakeLocation } from './destination.js';
import { LocalDestination } from './local.js';
import type { S3DestinationOptions } from './s3.js';

/** Reads LAKE_URI: `s3://bucket[/prefix]`, a `file://` URL, or a local path (relative to the working folder). */
export function parseLakeUri(uri: string): LakeLocation {
  if (/^s3:\/\//i.test(uri)) {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(uri);
    const bucket = match?.[1];
    if (!bucket) throw new ConfigError([`LAKE_URI: expected s3://bucket/prefix (got ${JSON.stringify(uri)})`]);
    return { kind: 's3', bucket, prefix: (match?.[2] ?? '').replace(/^\/+|\/+$/g, '') };
  }
  if (/^file:/i.test(uri)) {
    try {
      return { kind: 'local', root: fileURLToPath(uri) };
    } catch (error) {
      throw new ConfigError([`LAKE_URI: ${(error as Error).message} (got ${JSON.stringify(uri)})`]);
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new ConfigError([`LAKE_URI: expected s3://, file:// or a local path (got ${JSON.stringify(uri)})`]);
  }
  return { kind: 'local', root: path.resolve(uri) };
}

export interface OpenDestinationOptions {
  readonly lakeUri: string;
  readonly awsRegion: string;
  readonly s3Endpoint?: string | undefined;
  readonly credentials?: S3DestinationOptions['credentials'];
}

/** Opens the lake LAKE_URI names. The AWS SDK is loaded only for an s3:// lake: a local run does not pay for it. */
export async function openDestination(options: OpenDestinationOptions): Promise<Destination> {
  const location = parseLakeUri(options.lakeUri);
  if (location.kind === 'local') return new LocalDestination(location.root);
  const { S3Destination } = await import('./s3.js');
  return new S3Destination({
    bucket: location.bucket,
    prefix: location.prefix,
    region: options.awsRegion,
    endpoint: options.s3Endpoint,
    credentials: options.credentials,
  });
}
