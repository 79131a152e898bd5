import type { CliIo } from './cli-io';

// Each command loads on demand: `sdx verify` should not pay for the service, the stores or the renderer.
// `require`, not `import()`: in this CommonJS build a dynamic import starts Node's ESM loader, which
// costs a tool's start more than the command it loads.

const usage = `usage: sdx <command>
  serve [--port N] [--host H] [--db FILE] [--demo]   run the service
  validate <eir|delivery-order|telex-release-guarantee> FILE.json   check a payload
  verify FILE.pdf [--trust PEM ...] [--json]          check a signed PDF: exit 0 valid, 1 invalid, 2 unusable, 3 indeterminate
  verify FILE.pdf --report etsi [--sign]              its ETSI TS 119 102-2 shaped validation report (JSON or etsi-xml), signed by the service
  verify-report REPORT.jws [--log-cert PEM]           check a signed validation report: exit 0 genuine, 1 not
  archive renew FILE.pdf ... [--before DAYS]          renew PDF archives whose newest timestamp expires soon (B-LTA)
  archive renew --db FILE [--before DAYS]             the same for the stored documents, each recorded as an event
  audit export|verify ...                             export the audit log; check a bundle offline (sdx audit help)
  import --kind KIND FILE.jsonl|FILE.csv --url URL [--key K] [--concurrency N]   issue many documents (sdx import --help)
  demo --out DIR                                      write one signed PDF per document kind
  keys new-master-key|seal|rotate|revoke|import ...   master key; seal, rotate, revoke party keys; import a CA's .pfx (sdx keys help)
  admin add-party|list-parties|add-user|create-key|revoke-key [--db FILE]   parties, users, API keys
  admin mongo-role [--database sdx] [--role sdxService]   the MongoDB role SDX runs under`;

export async function runCli(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve':
      return (require('./serve.command') as typeof import('./serve.command')).serveCommand(args, io, env);
    case 'validate':
      return (require('./validate.command') as typeof import('./validate.command')).validateCommand(args, io);
    case 'verify':
      return (require('./verify.command') as typeof import('./verify.command')).verifyCommand(args, io, env);
    case 'verify-report':
      return (require('./verify-report.command') as typeof import('./verify-report.command')).verifyReportCommand(args, io, env);
    case 'archive':
      return (require('./archive.command') as typeof import('./archive.command')).archiveCommand(args, io, env);
    case 'audit':
      return (require('./audit.command') as typeof import('./audit.command')).auditCommand(args, io, env);
    case 'import':
      return (require('./import.command') as typeof import('./import.command')).importCommand(args, io, env);
    case 'demo':
      return (require('./demo.command') as typeof import('./demo.command')).demoCommand(args, io, env);
    case 'keys':
      return (require('./keys.command') as typeof import('./keys.command')).keysCommand(args, io, env);
    case 'admin':
      return (require('./admin.command') as typeof import('./admin.command')).adminCommand(args, io, env);
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
