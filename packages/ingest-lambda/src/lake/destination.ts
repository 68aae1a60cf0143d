/**
 * Where the lake lives. Keys are `/`-separated paths relative to the lake root
 * (`curated/dataset=producao/processing_date=2026-01-01/producao.parquet`).
 */
export interface Destination {
  /** The lake root as a URI, for logs: `s3://bucket/prefix` or `file:///abs/path`. */
  readonly uri: string;
  /** Writes (or replaces) one object. Readers never see a partly written object. */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Reads one object, or null when it does not exist. */
  get(key: string): Promise<Uint8Array | null>;
  /** Keys of the objects under `prefix` (a folder: ends with `/`), in no particular order. */
  list(prefix: string): Promise<string[]>;
  /** Removes one object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Releases clients and sockets. */
  close(): Promise<void>;
}

export type LakeLocation =
  | { readonly kind: 'local'; readonly root: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string };
