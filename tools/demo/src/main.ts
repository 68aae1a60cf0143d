#!/usr/bin/env node
import { runDemo } from './demo.js';

// Ctrl-C stops the API of `--serve`; the demo then closes everything and exits.
const stopped = () =>
  new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });

process.exitCode = await runDemo(process.argv.slice(2), process.env, {
  write: (text) => process.stdout.write(text),
  stopped,
}).catch((error: unknown) => {
  process.stderr.write(
    `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 1;
});
