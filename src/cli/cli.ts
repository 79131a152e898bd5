import type { CliIo } from './cli-io';
import { parseSettings, type Environment, type Settings } from '../settings';

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

/**
 * Runs one command. `environment` is the process environment (read in src/cli/sdx.ts only): `sdx
 * serve` parses it with its config file, every other command is handed the parsed settings, and a
 * bad setting stops it with one line each.
 */
export async function runCli(argv: readonly string[], io: CliIo, environment: Environment): Promise<number> {
  const [command, ...args] = argv;
  const withSettings = async (run: (settings: Settings) => Promise<number>): Promise<number> => {
    const parsed = parseSettings(environment);
    if (parsed.ok) return run(parsed.settings);
    for (const error of parsed.errors) io.err(`sdx ${command ?? ''}: bad setting: ${error.message}`);
    return 2;
  };
  switch (command) {
    case 'serve':
      return (require('./serve.command') as typeof import('./serve.command')).serveCommand(args, io, environment);
    case 'validate':
      return (require('./validate.command') as typeof import('./validate.command')).validateCommand(args, io);
    case 'verify':
      return withSettings((settings) => (require('./verify.command') as typeof import('./verify.command')).verifyCommand(args, io, settings));
    case 'verify-report':
      return withSettings((settings) => (require('./verify-report.command') as typeof import('./verify-report.command')).verifyReportCommand(args, io, settings));
    case 'archive':
      return withSettings((settings) => (require('./archive.command') as typeof import('./archive.command')).archiveCommand(args, io, settings));
    case 'audit':
      return withSettings((settings) => (require('./audit.command') as typeof import('./audit.command')).auditCommand(args, io, settings));
    case 'import':
      return withSettings((settings) => (require('./import.command') as typeof import('./import.command')).importCommand(args, io, settings));
    case 'demo':
      return withSettings((settings) => (require('./demo.command') as typeof import('./demo.command')).demoCommand(args, io, settings));
    case 'keys':
      return withSettings((settings) => (require('./keys.command') as typeof import('./keys.command')).keysCommand(args, io, settings));
    case 'admin':
      return withSettings((settings) => (require('./admin.command') as typeof import('./admin.command')).adminCommand(args, io, settings));
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
