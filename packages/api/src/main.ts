import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';
import { createLogger } from './logger.js';
import type { RunningServer } from './server.js';

/** Process entry: configuration from the environment, listen, graceful shutdown on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config);
  // Installed before anything slow (loading the server's modules, restoring CACHE_DIR): a SIGUSR2 arriving meanwhile
  // would otherwise end the process, which is Node's default for it. Nothing can have been refused yet then.
  let running: RunningServer | undefined;
  process.on('SIGUSR2', () => {
    if (running) running.api.cache.overrideRowGuard();
    else logger.warn('row guard override ignored: the service is starting, no file has been refused yet');
  });
  logger.info({ pid: process.pid }, 'starting');
  const { startServer } = await import('./server.js');
  const started = await startServer(config, logger);
  running = started;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    started.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
