#!/usr/bin/env node
import { runCli } from './cli';
import { processIo } from './cli-io';

// A reader that stops early (`sdx verify DIR | head -1`) closes the pipe: stop as a writer killed by
// SIGPIPE would (exit 128 + 13), not with an unhandled EPIPE and its stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(141);
  });
}

runCli(process.argv.slice(2), processIo, process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    processIo.err(`sdx: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
