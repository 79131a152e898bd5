import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { describeStore, settingProblems, startService, type RunningService } from '../main';
import { isStoreKind, parseSettings, storeConfigProblem, storeKinds, type Environment, type Settings } from '../settings';
import type { CliIo } from './cli-io';
import { serveOcsp, type OcspHttpServer } from '../adapters/pki/ocsp-http-server';
import { crlFilesFrom, devOcspResponderFrom } from '../composition/pdf-toolkit';

/**
 * `sdx serve [--port N] [--host H] [--store sqlite|mongo|postgres] [--db FILE] [--mongo-uri URI] [--pg-url URL] [--demo]`:
 * runs until SIGTERM or SIGINT, then shuts down cleanly. Wrong flags or settings exit 2, a store or
 * port that cannot be opened exits 1.
 */
export async function serveCommand(args: readonly string[], io: CliIo, environment: Environment): Promise<number> {
  let values: { port?: string; host?: string; db?: string; demo?: boolean; store?: string; 'mongo-uri'?: string; 'pg-url'?: string; config?: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        db: { type: 'string' },
        demo: { type: 'boolean' },
        store: { type: 'string' },
        'mongo-uri': { type: 'string' },
        'pg-url': { type: 'string' },
        config: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    io.err(`sdx serve: ${(error as Error).message}`);
    return 2;
  }
  const configPath = values.config ?? environment['SDX_CONFIG_FILE'];
  let configFile: { path: string; text: string } | undefined;
  if (configPath) {
    try {
      configFile = { path: configPath, text: readFileSync(configPath, 'utf8') };
    } catch {
      io.err(`sdx serve: ${configPath} cannot be read`);
      return 2;
    }
  }
  const parsed = parseSettings(environment, configFile);
  const fileErrors = parsed.ok ? [] : parsed.errors.filter((error) => error.kind === 'file');
  if (fileErrors.length > 0) {
    for (const error of fileErrors) io.err(`sdx serve: ${error.message}`);
    return 2;
  }
  const problems = settingProblems(parsed);
  if (!parsed.ok || problems.length > 0) {
    for (const problem of problems) io.err(`sdx serve: bad setting: ${oneLine(problem)}`);
    return 2;
  }
  // The service signs PAdES B-LT unless told otherwise (issue 20).
  let settings: Settings = { ...parsed.settings, padesLevel: parsed.settings.padesLevel ?? 'B-LT' };
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    io.err(`sdx serve: --port must be a number from 0 to 65535, not "${values.port}"`);
    return 2;
  }
  if (values.store !== undefined && !isStoreKind(values.store)) {
    io.err(`sdx serve: --store must be one of ${storeKinds.join(', ')}, not "${values.store}"`);
    return 2;
  }
  // The demo answers OCSP over HTTP on loopback, as a CA's responder would, and signs with what it says.
  let ocsp: OcspHttpServer | undefined;
  if (values.demo && !settings.ocspUrl && settings.padesLevel !== 'B-T') {
    const { certsDir } = settings.paths;
    const clock = () => new Date();
    const responder = devOcspResponderFrom(certsDir, crlFilesFrom(settings, certsDir, clock).current, clock);
    if (responder) {
      ocsp = await serveOcsp(responder, { host: '127.0.0.1' });
      settings = { ...settings, ocspUrl: ocsp.url };
    }
  }
  const config: Settings = {
    ...settings,
    ...(port !== undefined ? { port } : {}),
    ...(values.host ? { host: values.host } : {}),
    ...(values.store !== undefined && isStoreKind(values.store) ? { store: values.store } : {}),
    ...(values.db ? { dbFile: values.db } : {}),
    ...(values['mongo-uri'] ? { mongoUri: values['mongo-uri'] } : {}),
    ...(values['pg-url'] ? { pgUrl: values['pg-url'] } : {}),
    ...(values.demo ? { demo: true } : {}),
  };
  const storeProblem = storeConfigProblem(config);
  if (storeProblem) {
    await ocsp?.close();
    io.err(`sdx serve: ${storeProblem}`);
    return 2;
  }
  // Structured JSON lines; what goes in them is chosen by the callers, never request bodies or keys.
  const logger = pino(
    { level: config.logLevel, base: { service: 'sdx' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    { write: (line: string) => io.out(line.trimEnd()) },
  );
  for (const warning of parsed.warnings) logger.warn(warning);
  // Starting takes a second or more (PDF workers, demo parties): a SIGTERM or Ctrl-C meanwhile is
  // kept and acted on once the store and workers can be closed cleanly; a second one still kills.
  // One listener throughout, so that no signal finds none between starting and running.
  let stopWhenStarted: NodeJS.Signals | undefined;
  let running: ((signal: NodeJS.Signals) => void) | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (running) return running(signal);
    io.out(`received ${signal} while starting; stopping as soon as it has started`);
    stopWhenStarted = signal;
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let service: RunningService;
  try {
    service = await startService(config, (level, message, fields) => logger[level](fields ?? {}, message), {
      requestLog: (fields) => logger.info(fields, 'request'),
    });
    io.out(`SDX listening on ${service.url} (store: ${describeStore(config)})`);
    if (ocsp) io.out(`Development OCSP responder on ${ocsp.url} (this machine only; SDX_OCSP_URL)`);
    io.out(`Phones and browsers open ${service.publicUrl}/ (QR codes and pass links point there${config.publicUrl ? ', from SDX_PUBLIC_URL' : ''})`);
    // Behind a reverse proxy on this machine (SDX_PUBLIC_URL set) loopback is what is wanted.
    if (service.loopbackOnly && !config.publicUrl) {
      io.err(
        `sdx serve: warning: listening on ${config.host} (this machine only): phones on your network cannot reach it; ` +
          'use --host 0.0.0.0 (README: "Use it from phones on your network")',
      );
    }
  } catch (error) {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await ocsp?.close();
    io.err(`sdx serve: cannot start: ${oneLine(error instanceof Error ? error.message : String(error))}`);
    return 1;
  }
  if (service.demoCredentials.length > 0) {
    io.out('Demo parties (NOT SECRET, demo instance only). Use: curl -H "Authorization: Bearer <key>" ...');
    for (const c of service.demoCredentials) {
      io.out(`  ${c.partyId.padEnd(18)} ${c.roles.join(',').padEnd(26)} ${c.apiKey}`);
    }
  }
  return new Promise<number>((resolveExit) => {
    const stop = (signal: NodeJS.Signals) => {
      io.out(`received ${signal}, shutting down`);
      service.close().then(
        () => (ocsp ? ocsp.close() : Promise.resolve()).then(() => resolveExit(0)),
        (error: unknown) => {
          io.err(`sdx serve: shutdown failed: ${(error as Error).message}`);
          resolveExit(1);
        },
      );
    };
    running = stop;
    if (stopWhenStarted) stop(stopWhenStarted);
  });
}

/** Driver messages can span lines; the reason for exiting stays on one. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
