#!/usr/bin/env node
import { runCli } from './cli';
import { processIo } from './cli-io';

runCli(process.argv.slice(2), processIo, process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    processIo.err(`sdx: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
