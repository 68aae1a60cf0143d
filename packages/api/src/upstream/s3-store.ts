import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  type CopyStore,
  dataName,
  isDataNameOf,
  type StoredCopy,
  type StoredMeta,
  StoredMetaSchema,
  sha256Hex,
} from './copy-store.js';

export interface S3StoreOptions {
  readonly bucket: string;
  /** Key prefix, empty or ending with `/`. */
  readonly prefix: string;
  /** S3-compatible endpoint (s3rver, MinIO, LocalStack): path-style addressing. Unset on AWS. */
  readonly endpoint?: string | undefined;
}

const isNoSuchKey = (error: unknown) => (error as { name?: unknown }).name === 'NoSuchKey';

/**
 * The last good copy of each upstream file in S3 (CACHE_S3_URI), for Lambda, whose /tmp vanishes with every cold
 * start. Same layout as DiskStore under the prefix: content-addressed bytes (`Producao.csv.<hash>`) and
 * `<file>.meta.json` naming the current ones. A PUT replaces an object atomically and the metadata is written
 * last, so a crash between the two PUTs leaves the previous copy loadable.
 *
 * Region and credentials come from the SDK's default chain (the function's role and AWS_REGION on Lambda).
 * Calls are bounded (2 s to connect, 5 s per request, 3 attempts) so a slow S3 cannot hold a cold start.
 */
export class S3Store implements CopyStore {
  readonly location: string;
  private readonly client: S3Client;

  constructor(private readonly options: S3StoreOptions) {
    this.location = `s3://${options.bucket}/${options.prefix}`;
    this.client = new S3Client({
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
      // Only where an operation requires them: S3-compatible stores keep the aws-chunked framing otherwise.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    });
  }

  private key = (name: string) => `${this.options.prefix}${name}`;

  /** The object's bytes, or null when it does not exist. */
  private async get(name: string): Promise<Buffer | null> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(name) }),
      );
      return Buffer.from(response.Body ? await response.Body.transformToByteArray() : []);
    } catch (error) {
      if (isNoSuchKey(error)) return null;
      throw error;
    }
  }

  private async put(name: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: this.key(name),
        Body: body,
        ContentLength: body.length,
        ContentType: contentType,
      }),
    );
  }

  /** Names (relative to the prefix) of the objects of `file`: its metadata and its content-addressed copies. */
  private async namesOf(file: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.key(`${file}.`),
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(this.options.prefix.length);
        if (name && (name === `${file}.meta.json` || isDataNameOf(file, name))) names.push(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return names;
  }

  /** One DELETE per object, in order (a file has one or two objects; DeleteObjects would need Content-MD5). */
  private async deleteAll(names: readonly string[]): Promise<void> {
    for (const name of names) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(name) }));
    }
  }

  async load(file: string): Promise<StoredCopy | null> {
    const rawMeta = await this.get(`${file}.meta.json`);
    if (!rawMeta) return null;
    // Metadata that is not JSON throws, as on disk: the cache logs it and goes on without the copy.
    const parsed = StoredMetaSchema.safeParse(JSON.parse(rawMeta.toString('utf8')));
    if (!parsed.success || parsed.data.file !== file) return null;
    const meta = parsed.data;
    const bytes = await this.get(dataName(file, meta.contentHash));
    return bytes && sha256Hex(bytes) === meta.contentHash ? { bytes, meta } : null;
  }

  async save(meta: StoredMeta, bytes: Buffer | null): Promise<void> {
    const current = dataName(meta.file, meta.contentHash);
    if (bytes) await this.put(current, bytes, 'text/csv');
    await this.put(`${meta.file}.meta.json`, Buffer.from(JSON.stringify(meta, null, 2)), 'application/json');
    // Older copies of this file are garbage once the metadata points at the new one.
    if (bytes) {
      const stale = (await this.namesOf(meta.file)).filter(
        (name) => name !== current && name !== `${meta.file}.meta.json`,
      );
      await this.deleteAll(stale);
    }
  }

  /**
   * Copies the copy that was read (named by `contentHash`) to `quarantine/<time>-<file>/` beside a `reason.txt`, and
   * the metadata with it only while it still names that copy, then deletes them (the metadata first: nothing loads
   * the copy again even if a later delete fails). A good copy another process saved meanwhile stays. Returns the
   * quarantine's URI.
   */
  async quarantine(file: string, contentHash: string, reason: string): Promise<string> {
    const aside = `quarantine/${new Date().toISOString().replaceAll(':', '-')}-${file}/`;
    const present = new Set(await this.namesOf(file));
    const metaName = `${file}.meta.json`;
    const rawMeta = present.has(metaName) ? await this.get(metaName) : null;
    let named: string | null = null;
    try {
      const parsed = rawMeta ? StoredMetaSchema.safeParse(JSON.parse(rawMeta.toString('utf8'))) : null;
      named = parsed?.success ? parsed.data.contentHash : null;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
    const data = dataName(file, contentHash);
    const names = [...(named === contentHash ? [metaName] : []), ...(present.has(data) ? [data] : [])];
    await this.put(`${aside}reason.txt`, Buffer.from(`${reason}\n`), 'text/plain; charset=utf-8');
    for (const name of names) {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.options.bucket,
          Key: this.key(`${aside}${name}`),
          CopySource: encodeURI(`${this.options.bucket}/${this.key(name)}`),
        }),
      );
    }
    await this.deleteAll(names);
    return `${this.location}${aside}`;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
