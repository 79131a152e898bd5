import { z } from 'zod';
import { partyId, scac } from '../shared/schema';
import { isPlatformCode } from './platform-address';

/**
 * The peers a deployment exchanges documents with (SDX_PEERS_FILE): each a platform code, the base
 * URL its PINT routes hang under, and how to know its signing key, pinned (`jwk`) or fetched from
 * its `jwksUrl`. `x5c` (base64 DER certificates, leaf first) may go with a pinned key. `parties`
 * (party ids) and `carriers` (SCACs) are whom the peer hosts: the only issuers a document it issued
 * may name (see issue-entitlement.ts); a peer that lists none issues nothing this platform takes.
 */
const url = z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'must be an absolute http(s) URL');

const ecJwk = z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string().min(1), y: z.string().min(1) });

const peerSchema = z
  .strictObject({
    code: z.string().refine(isPlatformCode, 'must be a platform code of 2-4 capitals or digits'),
    url,
    jwk: ecJwk.optional(),
    jwksUrl: url.optional(),
    x5c: z.array(z.string().regex(/^[A-Za-z0-9+/]+=*$/, 'must be base64 DER')).min(1).optional(),
    parties: z.array(partyId).optional(),
    carriers: z.array(scac).optional(),
  })
  .refine((peer) => (peer.jwk === undefined) !== (peer.jwksUrl === undefined), 'give exactly one of jwk (a pinned key) and jwksUrl');

export type PeerConfig = z.infer<typeof peerSchema>;

/** The peers in a parsed SDX_PEERS_FILE (a JSON array); throws one line per problem. */
export function parsePeers(value: unknown, ownCode: string): PeerConfig[] {
  const parsed = z.array(peerSchema).safeParse(value);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`).join('; '));
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const peer of parsed.data) {
    if (peer.code === ownCode) problems.push(`${peer.code} is this platform's own code`);
    if (seen.has(peer.code)) problems.push(`${peer.code} is listed twice`);
    seen.add(peer.code);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return parsed.data.map((peer) => ({ ...peer, url: peer.url.replace(/\/+$/, '') }));
}
