import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { LakeError } from '../errors.js';
import type { Destination } from './destination.js';

export interface S3DestinationOptions {
  readonly bucket: string;
  /** Key prefix without leading or trailing `/`; empty for the bucket root. */
  readonly prefix: string;
  readonly region: string;
  /** S3-compatible endpoint (MinIO, LocalStack, s3rver): switches to path-style addressing. */
  readonly endpoint?: string | undefined;
  /** Explicit credentials; the SDK's default chain (Lambda role, env, profile) otherwise. */
  readonly credentials?: S3ClientConfig['credentials'];
}

/**
 * A lake in an S3 bucket (or an S3-compatible store). Bodies are sent as Buffers with a known length and
 * checksums are computed only where an operation requires them: with the SDK's default streaming
 * checksums, some S3-compatible stores (s3rver) keep the aws-chunked framing inside the object.
 * A PUT replaces an object atomically on S3, so readers never see half an object.
 */
export class S3Destination implements Destination {
  readonly uri: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(options: S3DestinationOptions) {
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ? `${options.prefix}/` : '';
    this.uri = `s3://${options.bucket}${options.prefix ? `/${options.prefix}` : ''}`;
    this.#client = new S3Client({
      region: options.region,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: this.#prefix + key,
          Body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
          ContentLength: body.byteLength,
          ContentType: contentType,
        }),
      );
    } catch (error) {
      throw new LakeError('LAKE_WRITE', this.#prefix + key, error);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      const response = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
      return response.Body ? await response.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: unknown }).name === 'NoSuchKey') return null;
      throw new LakeError('LAKE_READ', this.#prefix + key, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.#client.send(
          new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix + prefix, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key) keys.push(object.Key.slice(this.#prefix.length));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw new LakeError('LAKE_READ', this.#prefix + prefix, error);
    }
    return keys;
  }

  async delete(key: string): Promise<void> {
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
    } catch (error) {
      throw new LakeError('LAKE_WRITE', this.#prefix + key, error);
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}
