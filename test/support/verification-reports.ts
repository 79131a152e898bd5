// Constructed verification reports, one per outcome, for the page view and the OpenAPI schema.
import type { Finding } from '../../src/domain/verification/finding';
import { verdictOf } from '../../src/domain/verification/finding';
import { summarise, type LedgerStanding, type PdfVerificationReport, type SignatureSummary } from '../../src/domain/verification/pdf-report';

export const ISSUER = { name: 'Yangshan Demo Container Terminal', partyId: 'demo-terminal', legalId: '91310000MA1FL0XX1X' };
export const HAULIER = { name: 'Donghai Trucking (demo)', partyId: 'demo-haulier-a', legalId: null };
export const STRANGER = { name: 'Mallory Forwarding Ltd', partyId: 'demo-forwarder', legalId: null };
/** Text that comes from the document or its certificates, not from the page. */
export const dataTexts = [ISSUER, HAULIER, STRANGER].flatMap((p) => [p.name, p.partyId, ...(p.legalId ? [p.legalId] : [])]);

export function signature(index: number, who: { name: string; partyId: string; legalId: string | null }, role: SignatureSummary['role'], revision: number, trustedTime: string | null): SignatureSummary {
  return {
    index,
    fieldName: index === 0 ? 'sdx-issuer' : 'sdx-counter',
    subFilter: 'ETSI.CAdES.detached',
    signerSubject: `O=${who.partyId}, CN=${who.name}`,
    signerPartyId: who.partyId,
    signerName: who.name,
    signerLegalId: who.legalId,
    role,
    signingTime: trustedTime,
    ...(trustedTime ? { timestampTime: trustedTime } : {}),
    trustedTime,
    coversWholeDocument: false,
    revision,
  };
}

const ok = (check: string): Finding => ({ check, status: 'valid', code: 'ok', message: `${check} holds`, required: true });

export function build(findings: Finding[], signatures: SignatureSummary[], ledger: LedgerStanding, ledgerStatus: string | null = null): PdfVerificationReport {
  const folded = { verdict: verdictOf(findings), findings, signatures, ledger };
  return {
    ...folded,
    ledgerStatus: ledger === 'recorded' ? ledgerStatus : null,
    document: { profile: 'sdx', documentId: 'doc-6f1c2a9e-0b7d-4c55-9a3e-2d8f4e1b7c10', kind: 'eir', number: 'EIR-2026-0001', issuerPartyId: ISSUER.partyId, payloadHash: 'ab'.repeat(32) },
    summary: summarise(folded),
  };
}

const TIME_1 = '2026-12-03T11:03:47.000Z'; // 19:03 in Beijing
const TIME_2 = '2026-12-03T12:30:00.000Z';
const twoSignatures = [signature(0, ISSUER, 'issuer', 1, TIME_1), signature(1, HAULIER, 'countersigner', 2, TIME_2)];
export const baseFindings = [ok('document.parse'), ok('signature[0].digest'), ok('signature[1].digest'), ok('document.changes-after-signature[0]')];

export const reports = {
  genuine: build([...baseFindings, ok('document.ledger')], twoSignatures, 'recorded', 'countersigned'),
  genuineVoided: build([...baseFindings, ok('document.ledger')], twoSignatures, 'recorded', 'voided'),
  genuineReleased: build([...baseFindings, ok('document.ledger')], twoSignatures, 'recorded', 'released'),
  notRecorded: build(
    [...baseFindings, { check: 'document.ledger', status: 'skipped', code: 'document-not-in-ledger', message: 'the ledger holds no document EIR-2026-0001', required: false }],
    twoSignatures,
    'unknown-document',
  ),
  offline: build(baseFindings, [signature(0, ISSUER, 'issuer', 1, null)], 'not-checked'),
  indeterminate: build(
    [
      ...baseFindings,
      { check: 'document.changes-after-signature[0]', status: 'indeterminate', code: 'visible-change-after-signature', message: 'a new appearance stream of annotation 12 draws on page 1', required: true, revision: 2 },
    ],
    [signature(0, ISSUER, null, 1, TIME_1), signature(1, STRANGER, null, 3, null)],
    'unknown-document',
  ),
  forged: build(
    [
      ...baseFindings,
      { check: 'document.changes-after-signature[0]', status: 'invalid', code: 'field-added-after-signature', message: 'revision 2 adds signature field 40 with a visible widget', required: true, revision: 2 },
    ],
    [signature(0, ISSUER, 'issuer', 1, TIME_1), signature(1, STRANGER, null, 2, null)],
    'recorded',
  ),
  unusable: build([{ check: 'document.parse', status: 'invalid', code: 'too-many-objects', message: 'the document exceeds what the verifier reads: 1000001 objects', required: true }], [], 'not-checked'),
};

