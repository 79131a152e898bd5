import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalHash } from '../shared/canonical-json';
import { jwsKid, openJws, signJws, signedContentChecksum, type JwsSigner } from './compact-jws';
import { issueEntitlementProblem, type HostedIssuers } from './issue-entitlement';

/**
 * DCSA PINT 3.0's envelope pieces, with PINT's names: the transfer chain (one signed entry per
 * platform stay, each naming the SHA-256 of the signed entry before it), the manifest the sending
 * platform signs, and the signed answer of the receiver. SDX sends its own document payload where
 * PINT puts an eBL's `transportDocument`; its checksum is the same SHA-256 over RFC 8785 JSON.
 */

/** PINT's transaction action codes. A D/O's present and release have none; see the OpenAPI description. */
export const actionCodes = [
  'ISSUE',
  'TRANSFER',
  'ENDORSE',
  'ENDORSE_TO_ORDER',
  'BLANK_ENDORSE',
  'SURRENDER_FOR_DELIVERY',
  'SURRENDER_FOR_AMENDMENT',
  'SACC',
  'SREJ',
  'SIGN',
] as const;
export type ActionCode = (typeof actionCodes)[number];

const checksum = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase SHA-256 hex checksum');
const compactJws = z.string().regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a compact JWS');
const trimmed = (max: number) => z.string().max(max).regex(/^\S(?:.*\S)?$/, 'must not start or end with a space');
const platformCode = z.string().max(4).regex(/^\S+$/);

const identifyingCode = z.looseObject({ codeListProvider: z.string().max(100), partyCode: z.string().max(150), codeListName: z.string().max(100).optional() });
const pintParty = z.looseObject({ partyName: trimmed(70), eblPlatform: platformCode, identifyingCodes: z.array(identifyingCode).min(1) });

export type PintParty = z.infer<typeof pintParty>;

const transaction = z.looseObject({
  actionCode: z.enum(actionCodes),
  actor: pintParty,
  recipient: pintParty.optional(),
  actionDateTime: z.iso.datetime({ offset: false, precision: 3 }),
  comments: trimmed(255).optional(),
});
export type Transaction = z.infer<typeof transaction>;

const chainEntry = z.looseObject({
  eblPlatform: platformCode,
  transportDocumentChecksum: checksum,
  previousEnvelopeTransferChainEntrySignedContentChecksum: checksum.optional(),
  transactions: z.array(transaction).min(1),
});
export type TransferChainEntry = z.infer<typeof chainEntry>;

const documentMetadata = z.looseObject({ name: trimmed(1000), size: z.number().min(1), mediaType: z.string().max(100), documentChecksum: checksum });
export type DocumentMetadata = z.infer<typeof documentMetadata>;

const manifest = z.looseObject({
  transportDocumentChecksum: checksum,
  lastEnvelopeTransferChainEntrySignedContentChecksum: checksum,
  supportingDocuments: z.array(documentMetadata).optional(),
});
export type EnvelopeManifest = z.infer<typeof manifest>;

const envelope = z.strictObject({
  transportDocument: z.record(z.string(), z.unknown()),
  envelopeManifestSignedContent: compactJws,
  envelopeTransferChain: z.array(compactJws).min(1),
});
export type Envelope = z.infer<typeof envelope>;

/** How a party of this or a peer platform appears in a transaction: its id under the platform's code list. */
export function pintPartyOf(platform: string, partyId: string, partyName: string): PintParty {
  return { partyName: partyName.trim().slice(0, 70).trim(), eblPlatform: platform, identifyingCodes: [{ codeListProvider: platform, partyCode: partyId }] };
}

/**
 * Signs the next chain entry for `transactions` on `platform`, linked to the signed entry before it
 * (none for the first entry, whose first transaction must be the ISSUE).
 */
export function signChainEntry(
  input: { platform: string; document: unknown; previous?: string; transactions: readonly Transaction[] },
  signer: JwsSigner,
): string {
  const entry: TransferChainEntry = {
    eblPlatform: input.platform,
    transportDocumentChecksum: canonicalHash(input.document),
    ...(input.previous !== undefined ? { previousEnvelopeTransferChainEntrySignedContentChecksum: signedContentChecksum(input.previous) } : {}),
    transactions: [...input.transactions],
  };
  return signJws(entry, signer);
}

/** The envelope the sending platform sends: the document, the chain, and its signed manifest over both. */
export function sealEnvelope(
  input: { document: Record<string, unknown>; chain: readonly string[]; supportingDocuments?: readonly DocumentMetadata[] },
  signer: JwsSigner,
): Envelope {
  const last = input.chain[input.chain.length - 1];
  if (last === undefined) throw new Error('an envelope carries at least one chain entry');
  const signedManifest: EnvelopeManifest = {
    transportDocumentChecksum: canonicalHash(input.document),
    lastEnvelopeTransferChainEntrySignedContentChecksum: signedContentChecksum(last),
    ...(input.supportingDocuments && input.supportingDocuments.length > 0 ? { supportingDocuments: [...input.supportingDocuments] } : {}),
  };
  return { transportDocument: input.document, envelopeManifestSignedContent: signJws(signedManifest, signer), envelopeTransferChain: [...input.chain] };
}

/** The receiver's answers and the HTTP status PINT pairs each with. INCD (a wrong additional document) comes with additional documents. */
export const responseCodes = ['RECE', 'DUPE', 'BSIG', 'BENV', 'INCD', 'MDOC', 'DISE'] as const;
export type ResponseCode = (typeof responseCodes)[number];

export const responseStatus: Record<ResponseCode, number> = { RECE: 200, DUPE: 200, BSIG: 422, BENV: 422, INCD: 409, MDOC: 409, DISE: 409 };

/** Whether the receiver took the document: only then does the sender hand it over. */
export const isAccepted = (code: ResponseCode): boolean => code === 'RECE' || code === 'DUPE';

/** A signing platform's key for a `kid`, this platform's own included (a document may come back). */
export type PlatformKeys = (platform: string, kid: string) => Promise<KeyObject | undefined>;

/** Why an envelope is refused: the PINT code (BSIG for a signature, BENV for the rest) and a reason in English, for the signed answer. */
export interface EnvelopeRefusal {
  ok: false;
  responseCode: 'BSIG' | 'BENV';
  reason: string;
  /** The last entry's checksum when it could be computed, for the signed answer. */
  lastChecksum?: string;
}

export interface CheckedEnvelope {
  ok: true;
  envelope: Envelope;
  manifest: EnvelopeManifest;
  entries: TransferChainEntry[];
  /** SHA-256 of each signed entry, in chain order. */
  checksums: string[];
  lastChecksum: string;
}

/** Part `index` of a compact JWS as JSON (0 the header, 1 the payload), unverified. */
function partOf(token: string, index: 0 | 1): unknown {
  try {
    return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Who issued the document a chain is for, as `<platform>:<party>`: the actor of the first entry's
 * ISSUE (read, not verified: the receiver checked the chain when it took it); undefined when the
 * first entry does not start with one.
 */
export function chainIssuer(chain: readonly string[]): string | undefined {
  const first = chainEntry.safeParse(partOf(chain[0] ?? '', 1));
  const issue = first.success ? first.data.transactions[0] : undefined;
  if (issue?.actionCode !== 'ISSUE') return undefined;
  const code = issue.actor.identifyingCodes.find((c) => c.codeListProvider === issue.actor.eblPlatform)?.partyCode;
  return code === undefined ? undefined : `${issue.actor.eblPlatform}:${code}`;
}

/**
 * The receiver's check of an envelope from `sender`, as PINT describes it: the manifest signed by
 * the sender; the document's checksum; every chain entry signed by the platform it names, linked to
 * the one before by checksum, for this document; the first starting with ISSUE, made by a platform
 * entitled to issue for the issuer the document names (`hostsOf`, see issue-entitlement.ts); every
 * later one made by the platform the entry before handed the document to, each transaction by a
 * party of the platform that signed it; the last made by the sender and handing the document to a
 * party of `receiver`. Signature failures are BSIG, every other failure BENV; nothing here looks at
 * what the receiver already holds (DUPE, DISE: see `decideReceipt`).
 */
export async function checkEnvelope(
  body: unknown,
  context: { sender: string; receiver: string; keys: PlatformKeys; hostsOf: (platform: string) => HostedIssuers | undefined },
): Promise<CheckedEnvelope | EnvelopeRefusal> {
  const benv = (reason: string, lastChecksum?: string): EnvelopeRefusal => ({ ok: false, responseCode: 'BENV', reason, ...(lastChecksum ? { lastChecksum } : {}) });
  const bsig = (reason: string, lastChecksum?: string): EnvelopeRefusal => ({ ok: false, responseCode: 'BSIG', reason, ...(lastChecksum ? { lastChecksum } : {}) });
  const parsed = envelope.safeParse(body);
  if (!parsed.success) return benv(`the envelope is malformed at ${parsed.error.issues[0]?.path.join('.') || '(root)'}`);
  const env = parsed.data;
  const checksums = env.envelopeTransferChain.map(signedContentChecksum);
  const lastChecksum = checksums[checksums.length - 1] ?? '';

  const manifestKid = jwsKid(env.envelopeManifestSignedContent);
  const senderKey = await context.keys(context.sender, manifestKid);
  const manifestOpened = openJws(env.envelopeManifestSignedContent, (kid) => (kid === manifestKid ? senderKey : undefined));
  if (!manifestOpened.ok) {
    return manifestOpened.failure === 'jws-malformed'
      ? benv('the envelope manifest is not a compact ES256 JWS', lastChecksum)
      : bsig(`the envelope manifest is not signed by ${context.sender}'s key`, lastChecksum);
  }
  const manifestParsed = manifest.safeParse(manifestOpened.payload);
  if (!manifestParsed.success) return benv('the envelope manifest is malformed', lastChecksum);
  const signedManifest = manifestParsed.data;
  if (signedManifest.lastEnvelopeTransferChainEntrySignedContentChecksum !== lastChecksum) return benv('the manifest names another last chain entry', lastChecksum);
  if (signedManifest.transportDocumentChecksum !== canonicalHash(env.transportDocument)) return benv('the document does not match the manifest checksum', lastChecksum);

  const chain = await checkChain(env.envelopeTransferChain, { ...context, document: env.transportDocument, documentChecksum: signedManifest.transportDocumentChecksum });
  if (!chain.ok) return { ...chain, lastChecksum };
  return { ok: true, envelope: env, manifest: signedManifest, entries: chain.entries, checksums, lastChecksum };
}

/** Who checks a chain: the platform it came from and the one it was sent to, the platforms' keys and whom each peer hosts. */
export interface ChainContext {
  sender: string;
  receiver: string;
  keys: PlatformKeys;
  hostsOf: (platform: string) => HostedIssuers | undefined;
}

/**
 * The receiver's rules for a transfer chain, for `document` (whose checksum is `documentChecksum`):
 * see `checkEnvelope`. Kept apart so that the audit re-checks a chain a platform accepted with the
 * very rules it was accepted under.
 */
export async function checkChain(
  chain: readonly string[],
  context: ChainContext & { document: unknown; documentChecksum: string },
): Promise<{ ok: true; entries: TransferChainEntry[] } | { ok: false; responseCode: 'BSIG' | 'BENV'; reason: string }> {
  const benv = (reason: string) => ({ ok: false, responseCode: 'BENV', reason }) as const;
  const bsig = (reason: string) => ({ ok: false, responseCode: 'BSIG', reason }) as const;
  const checksums = chain.map(signedContentChecksum);
  const entries: TransferChainEntry[] = [];
  for (const [index, token] of chain.entries()) {
    const claimed = chainEntry.safeParse(partOf(token, 1));
    if (!claimed.success) return benv(`chain entry ${index} is malformed`);
    const kid = jwsKid(token);
    const key = await context.keys(claimed.data.eblPlatform, kid);
    const opened = openJws(token, (k) => (k === kid ? key : undefined));
    if (!opened.ok) {
      return opened.failure === 'jws-malformed'
        ? benv(`chain entry ${index} is not a compact ES256 JWS`)
        : bsig(`chain entry ${index} is not signed by ${claimed.data.eblPlatform}'s key`);
    }
    const entry = claimed.data;
    if (entry.transportDocumentChecksum !== context.documentChecksum) return benv(`chain entry ${index} is for another document`);
    const expectedPrevious = index === 0 ? undefined : checksums[index - 1];
    if (entry.previousEnvelopeTransferChainEntrySignedContentChecksum !== expectedPrevious) return benv(`chain entry ${index} does not link to the entry before it`);
    if (index === 0 && entry.transactions[0]?.actionCode !== 'ISSUE') return benv('the first chain entry does not start with ISSUE');
    if (entry.transactions.some((t, i) => t.actionCode === 'ISSUE' && (index > 0 || i > 0))) return benv(`chain entry ${index} issues the document again`);
    if (entry.transactions.some((t) => t.actor.eblPlatform !== entry.eblPlatform)) return benv(`chain entry ${index} has an actor of another platform than ${entry.eblPlatform}`);
    const handedTo = entries[index - 1]?.transactions.at(-1)?.recipient?.eblPlatform;
    if (index > 0 && handedTo !== entry.eblPlatform) return benv(`chain entry ${index} was made by ${entry.eblPlatform}, not by ${handedTo ?? 'a platform'} the entry before handed the document to`);
    entries.push(entry);
  }
  const first = entries[0];
  const unentitled = first && issueEntitlementProblem(first, context.document, { ownPlatform: context.receiver, hostsOf: context.hostsOf });
  if (unentitled) return benv(unentitled);
  const last = entries[entries.length - 1];
  const handover = last?.transactions[last.transactions.length - 1];
  if (last?.eblPlatform !== context.sender) return benv(`the last chain entry was not made by ${context.sender}`);
  if (handover?.recipient?.eblPlatform !== context.receiver) return benv(`the last transaction does not hand the document to a party of ${context.receiver}`);
  return { ok: true, entries };
}

/** What the receiver already knows of a document, by the checksums of signed chain entries it accepted. */
export interface KnownChains {
  /** Last-entry checksums of envelopes it accepted for this document. */
  acceptedLast: ReadonlySet<string>;
  /** Every entry checksum it has accepted for this document, in chain order (the longest chain). */
  acceptedChain: readonly string[];
}

/**
 * The answer to a checked envelope at `receiver`: DUPE when its last entry was accepted before;
 * DISE when it contradicts what the receiver accepted for this document (leaves out or replaces an
 * accepted entry, or goes on from it with an entry another platform made, while the document was
 * here: someone spent it twice); MDOC while supporting documents are missing; else RECE.
 */
export function decideReceipt(
  checked: CheckedEnvelope,
  known: KnownChains,
  received: ReadonlySet<string>,
  receiver: string,
): { responseCode: 'RECE' | 'DUPE' | 'DISE' | 'MDOC'; missing?: string[] } {
  if (known.acceptedLast.has(checked.lastChecksum)) return { responseCode: 'DUPE' };
  const keepsKnown = known.acceptedChain.every((sum, i) => checked.checksums[i] === sum);
  const next = checked.entries[known.acceptedChain.length];
  const goesOnFromHere = known.acceptedChain.length === 0 || next?.eblPlatform === receiver;
  if (!keepsKnown || !goesOnFromHere) return { responseCode: 'DISE' };
  const missing = (checked.manifest.supportingDocuments ?? []).map((d) => d.documentChecksum).filter((sum) => !received.has(sum));
  return missing.length > 0 ? { responseCode: 'MDOC', missing } : { responseCode: 'RECE' };
}

/** PINT's EnvelopeTransferFinishedResponse. */
export interface FinishedResponse {
  lastEnvelopeTransferChainEntrySignedContentChecksum: string;
  responseCode: ResponseCode;
  reason?: string;
  duplicateOfAcceptedEnvelopeTransferChainEntrySignedContent?: string;
  missingAdditionalDocumentChecksums?: string[];
  receivedAdditionalDocumentChecksums?: string[];
}

/** The receiver's signed answer; PINT limits `reason` to 255 characters. */
export function signReceipt(response: FinishedResponse, signer: JwsSigner): string {
  const reason = response.reason?.slice(0, 255);
  return signJws({ ...response, ...(reason !== undefined ? { reason } : {}) }, signer);
}

const finishedResponse = z.looseObject({
  lastEnvelopeTransferChainEntrySignedContentChecksum: checksum,
  responseCode: z.enum(responseCodes),
  reason: z.string().max(255).optional(),
  duplicateOfAcceptedEnvelopeTransferChainEntrySignedContent: compactJws.optional(),
  missingAdditionalDocumentChecksums: z.array(checksum).optional(),
  receivedAdditionalDocumentChecksums: z.array(checksum).optional(),
});

/**
 * The sender's reading of a receipt: only a response signed by the receiver's key and naming the
 * chain entry sent counts; anything else is no answer (the sender tries again), never a refusal.
 */
export function openReceipt(token: unknown, receiverKey: (kid: string) => KeyObject | undefined, sentLastChecksum: string): FinishedResponse | undefined {
  if (typeof token !== 'string') return undefined;
  const opened = openJws(token, receiverKey);
  if (!opened.ok) return undefined;
  const parsed = finishedResponse.safeParse(opened.payload);
  if (!parsed.success || parsed.data.lastEnvelopeTransferChainEntrySignedContentChecksum !== sentLastChecksum) return undefined;
  const { reason, duplicateOfAcceptedEnvelopeTransferChainEntrySignedContent: duplicate, missingAdditionalDocumentChecksums: missing, receivedAdditionalDocumentChecksums: received } = parsed.data;
  return {
    lastEnvelopeTransferChainEntrySignedContentChecksum: sentLastChecksum,
    responseCode: parsed.data.responseCode,
    ...(reason !== undefined ? { reason } : {}),
    ...(duplicate !== undefined ? { duplicateOfAcceptedEnvelopeTransferChainEntrySignedContent: duplicate } : {}),
    ...(missing !== undefined ? { missingAdditionalDocumentChecksums: missing } : {}),
    ...(received !== undefined ? { receivedAdditionalDocumentChecksums: received } : {}),
  };
}
