import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sealPrivateKey, writeSealedPartyKey } from '../adapters/pki/encrypted-key-store';
import { decodePem } from '../adapters/pki/pem';
import { masterKeyFromEnv } from '../main';
import type { CliIo } from './cli-io';

/**
 * `sdx keys new-master-key` prints a fresh 256-bit master key (base64) for SDX_MASTER_KEY.
 * `sdx keys seal --from DIR --out DIR` seals every `parties/<id>.key.pem` under SDX_MASTER_KEY
 * (AES-256-GCM) into DIR as `<id>.sealed.json` and `<id>.pem`. The master key is read from the
 * environment only, so it never shows in a process list or shell history.
 */
export async function keysCommand(args: readonly string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'new-master-key') {
    io.out(randomBytes(32).toString('base64'));
    return 0;
  }
  if (sub !== 'seal') {
    io.err('usage: sdx keys new-master-key | sdx keys seal --from CERTS_DIR --out SEALED_DIR');
    return 2;
  }
  let values: { from?: string; out?: string };
  try {
    ({ values } = parseArgs({ args: [...rest], options: { from: { type: 'string' }, out: { type: 'string' } }, strict: true }));
  } catch (error) {
    io.err(`sdx keys seal: ${(error as Error).message}`);
    return 2;
  }
  if (!values.from || !values.out) {
    io.err('usage: sdx keys seal --from CERTS_DIR --out SEALED_DIR');
    return 2;
  }
  const masterKey = masterKeyFromEnv(env);
  if (!masterKey) {
    io.err('sdx keys seal: set SDX_MASTER_KEY to a base64 256-bit key (sdx keys new-master-key makes one)');
    return 2;
  }
  const partiesDir = join(values.from, 'parties');
  const chain = decodePem(await readFile(join(values.from, 'issuing-ca.pem'), 'utf8'), 'CERTIFICATE');
  const names = (await readdir(partiesDir)).filter((name) => name.endsWith('.key.pem'));
  for (const name of names) {
    const partyId = name.slice(0, -'.key.pem'.length);
    const [certificate] = decodePem(await readFile(join(partiesDir, `${partyId}.pem`), 'utf8'), 'CERTIFICATE');
    if (!certificate) {
      io.err(`sdx keys seal: ${partyId}.pem holds no certificate`);
      return 1;
    }
    const sealed = sealPrivateKey(await readFile(join(partiesDir, name), 'utf8'), masterKey, partyId);
    await writeSealedPartyKey(values.out, partyId, { sealed, certificate, chain });
    io.out(`sealed ${partyId}`);
  }
  return 0;
}
