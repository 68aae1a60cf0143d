import { parentPort, workerData } from 'node:worker_threads';
import { getDataset } from '@vitibrasil/core';
import { describeCause, MalformedUpstreamFile, SuspiciousUpstreamFile } from '../../errors.js';
import { readDataset } from '../read-dataset.js';
import { readResult, resultBuffers } from '../read-result.js';
import type { ShapeLimits } from '../shape-limits.js';
import type { ReadReply, ReadRequest, WorkerReady } from './messages.js';

/** Worker thread entry (started by IsolatedReader): reads one file per message within the limits it was given. */
const port = parentPort;
if (!port) throw new Error('read-worker runs as a worker thread, started by IsolatedReader');
const limits = workerData as ShapeLimits;

function reply(request: ReadRequest): ReadReply {
  try {
    const dataset = getDataset(request.dataset);
    const read = readDataset(dataset, request.bytes, request.facts, limits);
    return { ok: true, read: readResult(dataset, read, request.previous) };
  } catch (error) {
    if (error instanceof MalformedUpstreamFile || error instanceof SuspiciousUpstreamFile) {
      return { ok: false, failure: { code: error.code, reason: error.reason } };
    }
    return { ok: false, failure: { code: 'UNEXPECTED', message: describeCause(error) } };
  }
}

port.on('message', (request: ReadRequest) => {
  const answer = reply(request);
  // Transferred, not copied: the main thread receives the columns and JSON without deserializing them.
  port.postMessage(answer, answer.ok ? resultBuffers(answer.read) : []);
});
port.postMessage({ ready: true } satisfies WorkerReady);
