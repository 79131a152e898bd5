import { createHash } from 'node:crypto';
import type { PartySigner } from '../../application/ports/key-store.port';
import type { PartyId } from '../../domain/party/party';
import { SdxError } from '../../domain/shared/errors';
import { examineCertificate, revocationOf, type CertificateExamination, type TrustMaterial } from './certificate-validation';

/** One generation of a party's key, its private key not yet opened. DER. */
export interface SignerCandidate {
  generation: number;
  certificate: Uint8Array;
  chain: Uint8Array[];
  /** Opens the private key; called for the chosen generation only. */
  open(): Promise<PartySigner>;
}

export interface SignerSelectionOptions {
  /**
   * The CAs and CRLs the service trusts: a certificate their CRLs list as revoked is never used.
   * Without it only the certificates' validity dates are checked.
   */
  trust?: TrustMaterial;
  clock?: () => Date;
}

const NO_TRUST: TrustMaterial = { anchors: [], intermediates: [], crls: [] };

interface Judged {
  candidate: SignerCandidate;
  notBefore: Date;
  /** Why it may not sign now; undefined when it may. */
  refusal?: { code: 'signer-revoked' | 'signer-expired'; reason: string };
}

/**
 * Chooses which of a party's certificates signs: the newest (latest notBefore, then highest
 * generation) that is within its validity dates and not revoked by the trusted CRLs at this moment.
 * Each certificate is examined once (path and CRLs); only the dates are compared on every call.
 */
export class SignerSelection {
  private readonly trust: TrustMaterial;
  private readonly clock: () => Date;
  private readonly examinations = new Map<string, CertificateExamination>();

  constructor(options: SignerSelectionOptions = {}) {
    this.trust = options.trust ?? NO_TRUST;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * The candidate to sign with. Throws `signer-revoked` when none may sign and one was revoked,
   * `signer-expired` when none may sign because of its dates.
   */
  async choose(partyId: PartyId, candidates: readonly SignerCandidate[]): Promise<SignerCandidate> {
    const now = this.clock();
    const judged = candidates.map((candidate) => this.judge(partyId, candidate, now));
    const newestFirst = judged.sort((a, b) => b.notBefore.getTime() - a.notBefore.getTime() || b.candidate.generation - a.candidate.generation);
    const usable = newestFirst.find((entry) => !entry.refusal);
    if (usable) return usable.candidate;
    const refused = newestFirst.find((entry) => entry.refusal?.code === 'signer-revoked') ?? newestFirst[0];
    if (!refused?.refusal) throw new SdxError('key-not-found', `no key for party "${partyId}"`);
    throw new SdxError(
      refused.refusal.code,
      `party "${partyId}" has no certificate it may sign with now: ${refused.refusal.reason}; the operator must give it a new key and certificate (sdx keys rotate --party ${partyId})`,
    );
  }

  private judge(partyId: PartyId, candidate: SignerCandidate, now: Date): Judged {
    const examination = this.examine(candidate);
    const leaf = examination.path[0];
    if (!leaf) throw new SdxError('key-record-invalid', `generation ${candidate.generation} of party "${partyId}"'s keys has no readable certificate; re-issue it`);
    const judged = { candidate, notBefore: leaf.notBefore };
    const revoked = revocationOf(examination)?.revoked;
    if (revoked && revoked.revokedAt.getTime() <= now.getTime()) {
      return { ...judged, refusal: { code: 'signer-revoked', reason: `${revoked.certificate} was revoked on ${revoked.revokedAt.toISOString()}` } };
    }
    const outOfDate = examination.path.find((c) => now.getTime() < c.notBefore.getTime() || now.getTime() > c.notAfter.getTime());
    if (outOfDate) {
      const dates = `valid from ${outOfDate.notBefore.toISOString()} to ${outOfDate.notAfter.toISOString()}, not at ${now.toISOString()}`;
      return { ...judged, refusal: { code: 'signer-expired', reason: `"${outOfDate.subject}" (serial ${outOfDate.serialNumber}) is ${dates}` } };
    }
    return judged;
  }

  private examine(candidate: SignerCandidate): CertificateExamination {
    const key = [candidate.certificate, ...candidate.chain].map((der) => createHash('sha256').update(der).digest('hex')).join(':');
    let examination = this.examinations.get(key);
    if (!examination) {
      examination = examineCertificate({
        certificate: candidate.certificate,
        extraCertificates: candidate.chain,
        trust: this.trust,
        checkPrefix: 'signer',
        usage: 'document-signing',
      });
      this.examinations.set(key, examination);
    }
    return examination;
  }
}
