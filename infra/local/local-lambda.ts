/**
 * Starts a function bundle in a child process as Lambda's Node.js runtime would (local/lambda-host.mjs) and
 * invokes it over IPC, frozen (SIGSTOP) whenever it is not handling an invocation, as Lambda freezes it: used by
 * the bundle tests and the benchmark. The child gets the function's environment
 * and nothing of the parent's (Lambda's own variables added, `/var/task` mapped to the bundle's folder), and its
 * NODE_OPTIONS from that environment, as on Lambda.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TASK_ROOT } from '../src/lambda-conventions.js';

const HOST = fileURLToPath(new URL('./lambda-host.mjs', import.meta.url));

export interface InitReport {
  /** From the process's start to the end of the handler module's import (Node's boot included). */
  readonly sinceStartMs: number;
  /** The handler module's import alone (its top-level await included). */
  readonly importMs: number;
  /** CPU time (user + system, all threads) from the process's start to the end of the import. */
  readonly cpuMs: number;
  readonly peakRssBytes: number;
}

export interface ErrorReport {
  readonly name: string;
  readonly message: string;
  readonly code: unknown;
}

interface InvocationFigures {
  /** Wall time of the handler call. */
  readonly ms: number;
  /** CPU time the process spent during it (all threads). */
  readonly cpuMs: number;
  /** The process's peak RSS so far. */
  readonly peakRssBytes: number;
}

export type Invocation =
  | ({ readonly type: 'result'; readonly result: unknown } & InvocationFigures)
  | ({ readonly type: 'error'; readonly error: ErrorReport } & InvocationFigures);

export interface LocalLambda {
  readonly init: InitReport;
  /** Calls the handler with `event`; resolves with its result or its error. */
  invoke(event: unknown): Promise<Invocation>;
  /** Lines the function printed on stdout so far (its structured logs). */
  readonly stdout: readonly string[];
  close(): Promise<void>;
}

export interface LocalLambdaOptions {
  /** The bundle's folder: the task root. */
  readonly dir: string;
  readonly handler: string;
  /** The function's environment variables (from the template). */
  readonly environment: Readonly<Record<string, string>>;
  readonly functionName?: string;
  readonly memorySizeMb?: number;
  /** Flags on Node's command line (they win over NODE_OPTIONS); none unless given. */
  readonly nodeArguments?: readonly string[];
}

/**
 * The memory flags the Node.js runtime's bootstrap script puts on Node's command line for a function of
 * `memorySizeMb` (as read in the Node.js base images' /var/runtime/bootstrap: a tenth of the memory for the young
 * generation, half of it per semi-space, the rest for the old generation). They win over the function's
 * NODE_OPTIONS.
 */
export function runtimeBootstrapArguments(memorySizeMb: number): string[] {
  const newSpace = Math.floor(memorySizeMb / 10);
  return [
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memorySizeMb - newSpace}`,
  ];
}

type HostMessage =
  | ({ type: 'ready' } & InitReport)
  | { type: 'init-error'; error: ErrorReport; peakRssBytes: number }
  | ({ type: 'result' | 'error'; id: number } & Record<string, unknown>);

export async function startLocalLambda(options: LocalLambdaOptions): Promise<LocalLambda> {
  const mapped = Object.fromEntries(
    Object.entries(options.environment).map(([key, value]) => [
      key,
      value === TASK_ROOT || value.startsWith(`${TASK_ROOT}/`)
        ? join(options.dir, value.slice(TASK_ROOT.length))
        : value,
    ]),
  );
  const functionName = options.functionName ?? 'local-function';
  const child: ChildProcess = fork(HOST, [options.dir, options.handler], {
    cwd: options.dir,
    execArgv: [...(options.nodeArguments ?? [])],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      // What the Lambda runtime sets for every function.
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      LAMBDA_TASK_ROOT: options.dir,
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memorySizeMb ?? 128),
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      ...mapped,
    },
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => stdout.push(line));
  if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));

  const pending = new Map<number, (message: Invocation) => void>();
  let ready: (report: InitReport) => void = () => undefined;
  let failed: (error: Error) => void = () => undefined;
  const initialized = new Promise<InitReport>((done, fail) => {
    ready = done;
    failed = fail;
  });
  // Lambda freezes an execution environment between its init and an invocation and between invocations: work
  // left running after the handler returned (a background refresh) does not go on. So here: SIGSTOP, SIGCONT.
  const freeze = () => child.exitCode === null && child.kill('SIGSTOP');
  const thaw = () => child.exitCode === null && child.kill('SIGCONT');
  child.on('message', (message: HostMessage) => {
    if (message.type === 'ready') {
      freeze();
      ready(message);
    } else if (message.type === 'init-error')
      failed(new Error(`init failed: ${message.error.name}: ${message.error.message}\n${stderr.join('\n')}`));
    else {
      const resolve = pending.get(message.id);
      pending.delete(message.id);
      if (pending.size === 0) freeze();
      resolve?.(message as unknown as Invocation);
    }
  });
  child.on('exit', (code) => {
    const error = new Error(`the function's process exited (${code})\n${stderr.join('\n')}`);
    failed(error);
    for (const resolve of pending.values()) {
      resolve({
        type: 'error',
        error: { name: 'Exit', message: error.message, code },
        ms: 0,
        cpuMs: 0,
        peakRssBytes: 0,
      });
    }
    pending.clear();
  });

  const init = await initialized;
  let nextId = 0;
  return {
    init,
    stdout,
    invoke(event) {
      const id = nextId++;
      const answered = new Promise<Invocation>((resolve) => pending.set(id, resolve));
      thaw();
      child.send({ type: 'invoke', id, event });
      return answered;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      thaw();
      // Asked to go first (the host exits when its channel closes); killed if it does not within 2 s.
      child.disconnect();
      const stubborn = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(stubborn);
    },
  };
}
