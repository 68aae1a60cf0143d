import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type ContentCoding = 'br' | 'gzip';

/** Bodies smaller than this are sent as they are: compressing them saves less than it costs. */
export const MIN_COMPRESSIBLE_BYTES = 1024;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * `thorough` for bodies compressed once per data version and then served many times (brotli 9 / gzip 9: about
 * 130 ms for 2 MB of JSON on this machine, off the event loop; brotli 11 took 12 s), `fast` for bodies built
 * per request or per client-chosen query (brotli 5 / gzip 6: about 40 ms for the same 2 MB, 12% larger).
 */
export type CompressionEffort = 'thorough' | 'fast';

export function compress(body: Buffer, coding: ContentCoding, effort: CompressionEffort): Promise<Buffer> {
  if (coding === 'gzip') return gzipAsync(body, { level: effort === 'thorough' ? 9 : 6 });
  return brotli(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: effort === 'thorough' ? 9 : 5,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
}
