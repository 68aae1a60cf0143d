import type { DatasetId } from '@vitibrasil/core';
import type { BodyFacts } from '../read-dataset.js';
import type { ReadResult } from '../read-result.js';
import type { TidyColumns } from '../tidy-columns.js';

/** One file to read, sent to the worker (the bytes and the previous version's columns are copied). */
export interface ReadRequest {
  readonly dataset: DatasetId;
  readonly bytes: Uint8Array;
  readonly facts: BodyFacts;
  /** The version the file would replace, to compare with. */
  readonly previous: TidyColumns | null;
}

/** A failure the reader models, as data: an error's class does not survive postMessage. */
export type ReadFailure =
  | { readonly code: 'MALFORMED_UPSTREAM_FILE' | 'SUSPICIOUS_UPSTREAM_FILE'; readonly reason: string }
  | { readonly code: 'UNEXPECTED'; readonly message: string };

export type ReadReply =
  | { readonly ok: true; readonly read: ReadResult }
  | { readonly ok: false; readonly failure: ReadFailure };

/** Sent once by the worker when its modules are loaded: the deadline of a file starts when the file is sent. */
export interface WorkerReady {
  readonly ready: true;
}
