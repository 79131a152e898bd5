import { createHash } from 'node:crypto';
import { buildEtsiReport, type EtsiValidationReport, type SignatureObjects, type ValidationObject } from '../../../application/etsi-report';
import type { PdfVerificationReport } from '../../../domain/verification/pdf-report';
import { parseOcspResponse } from '../../pki/ocsp';
import { Certificate, CertificateList } from '../../pki/certificate-der';
import { vriKeyOf } from '../sdx-pdf-format';
import { parseCms, parseTimestampToken, signatureTimestampToken, type ParsedCms } from './cms-signature';
import { readDss } from './dss-reader';
import { nameOf } from './pdf-syntax';
import { signaturesOf } from './verify-pdf';

type Described = Omit<ValidationObject, 'id'>;

const sha256 = (der: Uint8Array): string => createHash('sha256').update(der).digest('hex');

function safe<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}

function certificate(der: Uint8Array, source: Described['source']): Described {
  const parsed = safe(() => new Certificate(der));
  return { type: 'certificate', sha256: sha256(der), source, description: parsed ? `${parsed.subject} (serial ${parsed.serialNumber}, valid ${parsed.notBefore.toISOString()} to ${parsed.notAfter.toISOString()})` : 'unreadable certificate' };
}

function crl(der: Uint8Array): Described {
  const parsed = safe(() => new CertificateList(der));
  return { type: 'CRL', sha256: sha256(der), source: 'dss', description: parsed ? `${parsed.issuer}, ${parsed.thisUpdate.toISOString()}` : 'unreadable CRL' };
}

function ocsp(der: Uint8Array): Described {
  const parsed = safe(() => parseOcspResponse(der));
  const responder = parsed?.certificates[0] ? safe(() => new Certificate(parsed.certificates[0] as Uint8Array).subject) : undefined;
  return { type: 'OCSPResponse', sha256: sha256(der), source: 'dss', description: parsed ? `${responder ?? 'responder'}, ${parsed.producedAt.toISOString()}` : 'unreadable OCSP response' };
}

function timestamp(der: Uint8Array): Described[] {
  const token = safe(() => parseTimestampToken(der));
  return [
    { type: 'timestamp', sha256: sha256(der), source: 'timestamp', description: token ? token.tstInfo.genTime.toISOString() : 'unreadable timestamp token' },
    ...(token?.cms.certificates ?? []).map((c) => certificate(c, 'timestamp')),
  ];
}

/**
 * The validation objects each signature of a PDF brings (ETSI TS 119 102-2): its CMS certificates,
 * its timestamp token and that token's certificates, and what the DSS's VRI entry for it names.
 * Indexed like the verifier's report; an unreadable part contributes nothing.
 */
export function validationObjectsOf(bytes: Uint8Array): SignatureObjects[] {
  const structure = signaturesOf(bytes);
  if (!structure) return [];
  const dss = safe(() => readDss(structure.final));
  return structure.signatureDictionaries.map((sig, index) => {
    const contents = sig.contents?.bytes;
    const objects: Described[] = [];
    if (contents) {
      if (nameOf(sig.dict.get('Type')) === 'DocTimeStamp') objects.push(...timestamp(contents));
      else {
        const cms: ParsedCms | undefined = safe(() => parseCms(contents));
        objects.push(...(cms?.certificates ?? []).map((c) => certificate(c, 'signature')));
        const token = cms ? safe(() => signatureTimestampToken(cms.signerInfo)) : undefined;
        if (token) objects.push(...timestamp(token));
      }
      const vri = dss?.vri.get(vriKeyOf(contents));
      if (vri) objects.push(...vri.certs.map((c) => certificate(c, 'dss')), ...vri.crls.map(crl), ...vri.ocsps.map(ocsp));
    }
    return { index, objects };
  });
}

/** The ETSI-shaped report of a verified PDF, at the time it was verified as at. */
export function etsiReportOf(bytes: Uint8Array, report: PdfVerificationReport, validationTime: Date): EtsiValidationReport {
  return buildEtsiReport({ report, validationTime, fileSha256: sha256(bytes), objects: validationObjectsOf(bytes) });
}
