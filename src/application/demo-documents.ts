import { decideIssue, validatePayload } from '../domain/document/document-kinds';
import type { DocumentKind } from '../domain/document/document';
import { gateRecord } from '../domain/eir/eir.schema';
import type { Party } from '../domain/party/party';
import { parseOrThrow } from '../domain/shared/schema';
import { ValidationError } from '../domain/shared/errors';
import type { DocumentPdfs, SignatureRequest } from './ports/document-pdf.port';

export interface DemoInputs {
  examples: Record<DocumentKind, unknown>;
  eirGateRecord: unknown;
  parties: readonly Party[];
  at: Date;
  verifyUrl: (documentId: string) => string;
}

interface Signing {
  partyId: string;
  reason: string;
  role: { zh: string; en: string };
  box: SignatureRequest['box'];
}

/** Who signs each demo document, in order: the issuer, then the counter-signatory where there is one. */
const demoSignatures: Record<DocumentKind, { id: string; signings: Signing[] }> = {
  'delivery-order': { id: 'demo-do-0001', signings: [{ partyId: 'demo-agent-sha', reason: 'Issued / 签发', role: { zh: '签发方', en: 'Issuer' }, box: 'issuer' }] },
  eir: {
    id: 'demo-eir-0001',
    signings: [
      { partyId: 'demo-terminal', reason: 'Gate record / 闸口记录', role: { zh: '场站 · 闸口记录', en: 'Facility · gate record' }, box: 'issuer' },
      {
        partyId: 'demo-haulier-a',
        reason: 'Condition acknowledged / 确认箱况',
        role: { zh: '承运车队 · 确认箱况', en: 'Haulier · condition acknowledged' },
        box: 'counter',
      },
    ],
  },
  'telex-release-guarantee': {
    id: 'demo-trg-0001',
    signings: [
      { partyId: 'demo-shipper', reason: 'Submitted / 提交', role: { zh: '签发方 · 提交', en: 'Issuer · submitted' }, box: 'issuer' },
      { partyId: 'demo-agent-pus', reason: 'Guarantee accepted / 接受保函', role: { zh: '接受方 · 接受保函', en: 'Accepting party' }, box: 'counter' },
    ],
  },
};

/** Renders and signs one document of each kind from the example payloads, as the demo parties would. */
export async function makeDemoDocuments(
  inputs: DemoInputs,
  pdfs: DocumentPdfs,
): Promise<{ kind: DocumentKind; id: string; pdf: Uint8Array }[]> {
  const partyById = new Map(inputs.parties.map((p) => [p.id, p]));
  const party = (id: string): Party => {
    const found = partyById.get(id);
    if (!found) throw new Error(`demo party ${id} is missing from demo-parties.json`);
    return found;
  };
  const out: { kind: DocumentKind; id: string; pdf: Uint8Array }[] = [];
  for (const kind of Object.keys(demoSignatures) as DocumentKind[]) {
    const { id, signings } = demoSignatures[kind];
    const parsed = validatePayload(kind, inputs.examples[kind]);
    if (!parsed.ok) throw new ValidationError(parsed.issues);
    const [first, ...rest] = signings;
    if (!first) continue;
    const issuer = party(first.partyId);
    const issued = decideIssue({ id, kind, payload: parsed.value, issuer: { partyId: issuer.id, roles: issuer.roles } });
    if (!issued.ok) throw new Error(`demo ${kind}: ${issued.refusal.message}`);
    let at = inputs.at.getTime();
    const request = (signing: Signing): SignatureRequest => {
      at += 60_000;
      const signer = party(signing.partyId);
      return {
        signerName: signer.name.en,
        ...(signer.name.zh ? { signerNameZh: signer.name.zh } : {}),
        role: signing.role,
        reason: signing.reason,
        at: new Date(at),
        box: signing.box,
      };
    };
    let pdf = await pdfs.renderSigned(
      {
        kind,
        payload: parsed.value,
        documentId: id,
        version: 1,
        payloadHash: issued.state.payloadHash,
        verifyUrl: inputs.verifyUrl(id),
        issuedAt: inputs.at.toISOString(),
        issuerName: issuer.name.zh ? `${issuer.name.en} ${issuer.name.zh}` : issuer.name.en,
        issuerPartyId: issuer.id,
        ...(kind === 'eir' ? { gateRecord: parseOrThrow(gateRecord, inputs.eirGateRecord) } : {}),
      },
      first.partyId,
      request(first),
    );
    for (const signing of rest) {
      pdf = await pdfs.countersign(pdf, signing.partyId, request(signing));
    }
    out.push({ kind, id, pdf });
  }
  return out;
}
