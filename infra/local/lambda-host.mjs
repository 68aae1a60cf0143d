// @ts-check
/**
 * Runs a function bundle the way the Lambda Node.js runtime does, in a process of its own: the working folder is
 * the task root (the bundle's folder), the handler module is imported once (init, top-level await included) and
 * its export is then called with each event and a context. It takes events from its parent over IPC (it is
 * started with `fork`) and answers each with the result or the error, the time the call took and the process's
 * peak RSS so far. Plain JavaScript: no loader may sit between Node and the bundle, or init times would be wrong.
 *
 * argv: <task root> <handler, e.g. index.handler>
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [taskRoot, handlerSetting] = process.argv.slice(2);
if (!taskRoot || !handlerSetting || !process.send) {
  console.error('usage: fork(lambda-host.mjs, [taskRoot, "index.handler"]) with an IPC channel');
  process.exit(2);
}
const send = /** @param {unknown} message */ (message) => process.send?.(message);

/**
 * The process's own peak RSS. On Linux, getrusage's maxrss survives fork and exec (a child forked from a large
 * parent starts at the parent's peak), so the memory map's high-water mark (VmHWM) is read instead.
 */
const peakRssBytes = () => {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match?.[1]) return Number(match[1]) * 1024;
  } catch {
    // Not Linux: fall back below.
  }
  return process.resourceUsage().maxRSS * 1024;
};

const dot = handlerSetting.lastIndexOf('.');
const moduleFile = `${handlerSetting.slice(0, dot)}.mjs`;
const exportName = handlerSetting.slice(dot + 1);

/** CPU time of the process so far (all its threads), ms: less sensitive than wall time to a busy machine. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** @param {unknown} error */
const describe = (error) =>
  error instanceof Error
    ? { name: error.name, message: error.message, code: /** @type {{ code?: unknown }} */ (error).code }
    : { name: 'Error', message: String(error), code: undefined };

const importStarted = performance.now();
/** @type {(event: unknown, context: object) => Promise<unknown>} */
let handler;
try {
  const module = await import(pathToFileURL(join(taskRoot, moduleFile)).href);
  handler = module[exportName];
  if (typeof handler !== 'function') throw new Error(`${moduleFile} exports no function ${exportName}`);
} catch (error) {
  send({ type: 'init-error', error: describe(error), peakRssBytes: peakRssBytes() });
  process.exit(1);
}
// From the process's start (Node's own boot included) and for the import alone.
send({
  type: 'ready',
  sinceStartMs: performance.now(),
  importMs: performance.now() - importStarted,
  cpuMs: cpuMs(),
  peakRssBytes: peakRssBytes(),
});

// The parent closing the channel ends the instance, as Lambda ending an execution environment does.
process.on('disconnect', () => process.exit(0));

const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local';
const timeoutMs = Number(process.env.LAMBDA_HOST_TIMEOUT_MS ?? 30_000);

process.on('message', async (/** @type {{ type: string, id: number, event: unknown }} */ message) => {
  if (message.type !== 'invoke') return;
  const started = performance.now();
  const cpuStarted = cpuMs();
  const deadline = Date.now() + timeoutMs;
  const context = {
    awsRequestId: randomUUID(),
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION ?? 'us-east-1'}:123456789012:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(message.event, context);
    send({
      type: 'result',
      id: message.id,
      result,
      ms: performance.now() - started,
      cpuMs: cpuMs() - cpuStarted,
      peakRssBytes: peakRssBytes(),
    });
  } catch (error) {
    send({
      type: 'error',
      id: message.id,
      error: describe(error),
      ms: performance.now() - started,
      cpuMs: cpuMs() - cpuStarted,
      peakRssBytes: peakRssBytes(),
    });
  }
});
