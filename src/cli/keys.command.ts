import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { revokeDevCertificates, rotateDevPartyKey } from '../adapters/pki/dev-pki';
import { nextSealedGeneration, sealPrivateKey, writeSealedPartyKey } from '../adapters/pki/encrypted-key-store';
import { generationBase, generationsOf, listGenerations } from '../adapters/pki/party-key-generations';
import { decodePem } from '../adapters/pki/pem';
import { partyId as partyIdSchema } from '../domain/shared/schema';
import type { Settings } from '../settings';
import { readStdin, type CliIo } from './cli-io';
import { readPkcs12 } from '../adapters/pki/pkcs12';
import { validateCertificate } from '../adapters/pki/certificate-validation';
import { trustFromCertsDir } from '../composition/resources';

const usage = `usage: sdx keys new-master-key
       sdx keys seal --from CERTS_DIR --out SEALED_DIR
       sdx keys rotate --party ID [--certs-dir DIR]                         (development keys)
       sdx keys rotate --party ID --key KEY.pem --cert CERT.pem [--keys-dir DIR]   (sealed, SDX_MASTER_KEY)
       sdx keys revoke --party ID [--generation N] [--at TIME] [--certs-dir DIR]   (development CA)
       sdx keys import --party ID --p12 FILE.pfx [--keys-dir DIR] [--certs-dir DIR]   (sealed, SDX_MASTER_KEY; password on stdin)`;

/**
 * `sdx keys new-master-key` prints a fresh 256-bit master key (base64) for SDX_MASTER_KEY.
 * `sdx keys seal --from DIR --out DIR` seals every `parties/<id>[.<n>].key.pem` under SDX_MASTER_KEY
 * (AES-256-GCM) into DIR as `<id>[.<n>].sealed.json` and `<id>[.<n>].pem`. The master key is read
 * from the environment only, so it never shows in a process list or shell history.
 * `sdx keys rotate` adds a party's next key generation; the key stores sign with the newest valid
 * one and keep the older ones, whose certificates verify what they signed.
 * `sdx keys revoke` lists a party's development certificate on the development issuing CA's CRL.
 */
export async function keysCommand(args: readonly string[], io: CliIo, settings: Settings): Promise<number> {
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case 'new-master-key':
        io.out(randomBytes(32).toString('base64'));
        return 0;
      case 'seal':
        return await seal(rest, io, settings);
      case 'rotate':
        return await rotate(rest, io, settings);
      case 'revoke':
        return await revoke(rest, io, settings);
      case 'import':
        return await importP12(rest, io, settings);
      case 'help':
        io.out(usage);
        return 0;
      default:
        io.err(usage);
        return 2;
    }
  } catch (error) {
    io.err(`sdx keys ${sub ?? ''}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

type Options = Record<string, { type: 'string' }>;

/** The flags' values, or undefined (after printing why) when they cannot be read. */
function flags(sub: string, args: readonly string[], names: string[], io: CliIo): Record<string, string | undefined> | undefined {
  const options: Options = Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]));
  try {
    return parseArgs({ args: [...args], options, strict: true }).values as Record<string, string | undefined>;
  } catch (error) {
    io.err(`sdx keys ${sub}: ${(error as Error).message}`);
    return undefined;
  }
}

function requireMasterKey(sub: string, settings: Settings, io: CliIo): Uint8Array | undefined {
  const masterKey = settings.masterKey;
  if (!masterKey) io.err(`sdx keys ${sub}: set SDX_MASTER_KEY to a base64 256-bit key (sdx keys new-master-key makes one)`);
  return masterKey;
}

async function seal(args: readonly string[], io: CliIo, settings: Settings): Promise<number> {
  const values = flags('seal', args, ['from', 'out'], io);
  if (!values) return 2;
  if (!values.from || !values.out) {
    io.err('usage: sdx keys seal --from CERTS_DIR --out SEALED_DIR');
    return 2;
  }
  const masterKey = requireMasterKey('seal', settings, io);
  if (!masterKey) return 2;
  const partiesDir = join(values.from, 'parties');
  const chain = decodePem(await readFile(join(values.from, 'issuing-ca.pem'), 'utf8'), 'CERTIFICATE');
  for (const { partyId, generation, base } of await listGenerations(partiesDir, '.key.pem')) {
    const [certificate] = decodePem(await readFile(join(partiesDir, `${base}.pem`), 'utf8'), 'CERTIFICATE');
    if (!certificate) {
      io.err(`sdx keys seal: ${base}.pem holds no certificate`);
      return 1;
    }
    const sealed = sealPrivateKey(await readFile(join(partiesDir, `${base}.key.pem`), 'utf8'), masterKey, partyId);
    await writeSealedPartyKey(values.out, partyId, { sealed, certificate, chain }, generation);
    io.out(generation === 1 ? `sealed ${partyId}` : `sealed ${partyId} (generation ${generation})`);
  }
  return 0;
}

/**
 * With SDX_MASTER_KEY, seals a key and certificate the party's CA issued as its next generation in
 * the sealed-key directory; without, issues a new development key from the certs directory's CA.
 */
async function rotate(args: readonly string[], io: CliIo, settings: Settings): Promise<number> {
  const values = flags('rotate', args, ['party', 'certs-dir', 'keys-dir', 'key', 'cert'], io);
  if (!values) return 2;
  const partyId = values['party'];
  if (!partyId || !partyIdSchema.safeParse(partyId).success) {
    io.err(usage);
    return 2;
  }
  const certsDir = values['certs-dir'] ?? settings.paths.certsDir;
  const masterKey = settings.masterKey;
  if (!masterKey) {
    if (values['key'] || values['cert']) {
      io.err('sdx keys rotate: --key and --cert are sealed under SDX_MASTER_KEY; set it and SDX_KEYS_DIR (or --keys-dir)');
      return 2;
    }
    // New certificates name the OCSP responder (AIA) that B-LT validation data is fetched from.
    const rotated = await rotateDevPartyKey({ certsDir, partyId, now: new Date(), ...(settings.ocspUrl ? { ocspUrl: settings.ocspUrl } : {}) });
    io.out(`rotated ${partyId}: generation ${rotated.generation} in ${rotated.certificatePath}`);
    return 0;
  }
  const keysDir = values['keys-dir'] ?? settings.keysDir;
  if (!keysDir || !values['key'] || !values['cert']) {
    io.err('usage: sdx keys rotate --party ID --key KEY.pem --cert CERT.pem [--keys-dir DIR] (SDX_KEYS_DIR by default)');
    return 2;
  }
  if ((await generationsOf(keysDir, partyId, '.sealed.json')).length === 0) {
    io.err(`sdx keys rotate: party "${partyId}" has no sealed key in ${keysDir}; seal its first key with sdx keys seal`);
    return 1;
  }
  const [certificate, ...withChain] = decodePem(await readFile(values['cert'], 'utf8'), 'CERTIFICATE');
  if (!certificate) {
    io.err(`sdx keys rotate: ${values['cert']} holds no certificate`);
    return 1;
  }
  // A certificate file without its chain gets the certs directory's issuing CA, as sdx keys seal does.
  const chain = withChain.length > 0 ? withChain : decodePem(await readFile(join(certsDir, 'issuing-ca.pem'), 'utf8'), 'CERTIFICATE');
  const sealed = sealPrivateKey(await readFile(values['key'], 'utf8'), masterKey, partyId);
  const generation = await nextSealedGeneration(keysDir, partyId);
  await writeSealedPartyKey(keysDir, partyId, { sealed, certificate, chain }, generation);
  io.out(`rotated ${partyId}: sealed generation ${generation} in ${keysDir}`);
  return 0;
}

/**
 * Seals the key of a PKCS#12 file a CA issued (password: first line of stdin) as the party's next
 * key generation, once its certificate chains to the configured anchors, is valid now, is not
 * revoked by the CRLs held, and its key usage allows signing documents.
 */
async function importP12(args: readonly string[], io: CliIo, settings: Settings): Promise<number> {
  const values = flags('import', args, ['party', 'p12', 'keys-dir', 'certs-dir'], io);
  if (!values) return 2;
  const partyId = values['party'];
  const keysDir = values['keys-dir'] ?? settings.keysDir;
  if (!partyId || !partyIdSchema.safeParse(partyId).success || !values['p12'] || !keysDir) {
    io.err('usage: sdx keys import --party ID --p12 FILE.pfx [--keys-dir DIR] (SDX_KEYS_DIR by default); the password is read from stdin');
    return 2;
  }
  const masterKey = requireMasterKey('import', settings, io);
  if (!masterKey) return 2;
  const password = (await readStdin()).split(/\r?\n/)[0] ?? '';
  const identity = readPkcs12(await readFile(values['p12']), password);
  const certsDir = values['certs-dir'] ?? settings.paths.certsDir;
  const findings = validateCertificate({
    certificate: identity.certificate,
    extraCertificates: identity.chain,
    trust: trustFromCertsDir(certsDir),
    at: new Date(),
    atIsProven: true,
    checkPrefix: 'certificate',
    usage: 'document-signing',
  });
  const refused = findings.find((f) => f.required && f.status !== 'valid');
  if (refused) {
    io.err(`sdx keys import: the certificate cannot sign for "${partyId}": ${refused.message} [${refused.code}]`);
    return 1;
  }
  const sealed = sealPrivateKey(identity.privateKey.export({ type: 'pkcs8', format: 'der' }), masterKey, partyId);
  const generation = await nextSealedGeneration(keysDir, partyId);
  await writeSealedPartyKey(keysDir, partyId, { sealed, certificate: identity.certificate, chain: identity.chain }, generation);
  io.out(`imported ${partyId}: sealed generation ${generation} in ${keysDir}`);
  return 0;
}

/** Lists one of a party's development certificates on the development issuing CA's CRL. */
async function revoke(args: readonly string[], io: CliIo, settings: Settings): Promise<number> {
  const values = flags('revoke', args, ['party', 'generation', 'at', 'certs-dir'], io);
  if (!values) return 2;
  const partyId = values['party'];
  if (!partyId || !partyIdSchema.safeParse(partyId).success) {
    io.err(usage);
    return 2;
  }
  const now = new Date();
  // CRLs count whole seconds; the time printed is the one the CRL holds.
  const asked = values['at'] === undefined ? now : new Date(values['at']);
  const revokedAt = new Date(Math.floor(asked.getTime() / 1000) * 1000);
  if (Number.isNaN(revokedAt.getTime())) {
    io.err(`sdx keys revoke: --at "${values['at']}" is not a date; give an ISO 8601 time such as 2026-11-28T09:30:00Z`);
    return 2;
  }
  const certsDir = values['certs-dir'] ?? settings.paths.certsDir;
  const partiesDir = join(certsDir, 'parties');
  const generations = await generationsOf(partiesDir, partyId, '.pem');
  const generation = values['generation'] === undefined ? (generations.length === 1 ? generations[0] : undefined) : Number(values['generation']);
  if (generation === undefined || !generations.includes(generation)) {
    io.err(`sdx keys revoke: name the generation to revoke with --generation (party "${partyId}" has ${generations.length === 0 ? 'none' : generations.join(', ')})`);
    return 2;
  }
  const [certificate] = decodePem(await readFile(join(partiesDir, `${generationBase(partyId, generation)}.pem`), 'utf8'), 'CERTIFICATE');
  if (!certificate) {
    io.err(`sdx keys revoke: generation ${generation} of "${partyId}" holds no certificate`);
    return 1;
  }
  await revokeDevCertificates({ certsDir, certificates: [certificate], revokedAt, now });
  io.out(`revoked ${partyId} generation ${generation} from ${revokedAt.toISOString()} in ${join(certsDir, 'issuing-ca.crl.pem')}; restart the service to load the CRL`);
  return 0;
}
