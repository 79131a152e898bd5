import type { CliIo } from './cli-io';
import { adminCommand } from './admin.command';
import { auditCommand } from './audit.command';
import { demoCommand } from './demo.command';
import { importCommand } from './import.command';
import { keysCommand } from './keys.command';
import { serveCommand } from './serve.command';
import { validateCommand } from './validate.command';
import { verifyCommand } from './verify.command';

const usage = `usage: sdx <command>
  serve [--port N] [--host H] [--db FILE] [--demo]   run the service
  validate <eir|delivery-order|telex-release-guarantee> FILE.json   check a payload
  verify FILE.pdf [--trust PEM ...] [--json]          check a signed PDF: exit 0 valid, 1 invalid, 2 unusable, 3 indeterminate
  audit export|verify ...                             export the audit log; check a bundle offline (sdx audit help)
  import --kind KIND FILE.jsonl|FILE.csv --url URL [--key K] [--concurrency N]   issue many documents (sdx import --help)
  demo --out DIR                                      write one signed PDF per document kind
  keys new-master-key|seal|rotate|revoke ...          master key; seal, rotate, revoke party keys (sdx keys help)
  admin add-party|list-parties|add-user|create-key|revoke-key [--db FILE]   parties, users, API keys
  admin mongo-role [--database sdx] [--role sdxService]   the MongoDB role SDX runs under`;

export async function runCli(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve':
      return serveCommand(args, io, env);
    case 'validate':
      return validateCommand(args, io);
    case 'verify':
      return verifyCommand(args, io, env);
    case 'audit':
      return auditCommand(args, io, env);
    case 'import':
      return importCommand(args, io, env);
    case 'demo':
      return demoCommand(args, io, env);
    case 'keys':
      return keysCommand(args, io, env);
    case 'admin':
      return adminCommand(args, io, env);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(usage);
      return command === undefined ? 2 : 0;
    default:
      io.err(`sdx: unknown command "${command}"; run "sdx help" for the list`);
      return 2;
  }
}
