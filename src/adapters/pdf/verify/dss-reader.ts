import type { DocumentView } from './pdf-revisions';
import type { PdfDict } from './pdf-syntax';
import { decodeStream } from './pdf-syntax';

/** Certificates, CRLs and OCSP responses (DER). */
export interface DssLists {
  certs: Uint8Array[];
  crls: Uint8Array[];
  ocsps: Uint8Array[];
}

/** A Document Security Store as a revision names it, with each VRI entry's own lists. */
export interface DssContents extends DssLists {
  vriKeys: string[];
  /** VRI key (upper-case hex SHA-1 of a signature's /Contents) → what that entry names. */
  vri: Map<string, DssLists>;
}

/**
 * Reads the catalog's /DSS (ETSI EN 319 142-1 5.4). An entry that is not a stream is skipped: the
 * DSS is unsigned, so what it holds only counts once its own issuer's signature checks out.
 */
export function readDss(view: DocumentView): DssContents {
  const dss = view.dict(view.catalog()?.get('DSS'));
  const list = (dict: PdfDict | undefined, key: string): Uint8Array[] => {
    const value = view.resolve(dict?.get(key));
    if (value?.kind !== 'array') return [];
    const out: Uint8Array[] = [];
    for (const item of value.items) {
      const stream = view.resolve(item);
      if (stream?.kind === 'stream') out.push(decodeStream(stream));
    }
    return out;
  };
  const vriDict = view.dict(dss?.get('VRI'));
  const vri = new Map<string, DssLists>();
  for (const key of vriDict?.keys() ?? []) {
    const entry = view.dict(vriDict?.get(key));
    vri.set(key, { certs: list(entry, 'Cert'), crls: list(entry, 'CRL'), ocsps: list(entry, 'OCSP') });
  }
  return { certs: list(dss, 'Certs'), crls: list(dss, 'CRLs'), ocsps: list(dss, 'OCSPs'), vriKeys: [...vri.keys()], vri };
}
