#!/usr/bin/env node
import { runSnapshotUpdate } from './cli.js';

process.exitCode = await runSnapshotUpdate(process.argv.slice(2), process.env, process.stdout).catch(
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  },
);
