import type { DocumentView } from './pdf-revisions';
import { decodeStream } from './pdf-syntax';

/** A Document Security Store as a revision names it: DER of each certificate, CRL and OCSP response, and the VRI keys. */
export interface DssContents {
  certs: Uint8Array[];
  crls: Uint8Array[];
  ocsps: Uint8Array[];
  vriKeys: string[];
}

/**
 * Reads the catalog's /DSS (ETSI EN 319 142-1 5.4). An entry that is not a stream is skipped: the
 * DSS is unsigned, so what it holds only counts once its own issuer's signature checks out.
 */
export function readDss(view: DocumentView): DssContents {
  const dss = view.dict(view.catalog()?.get('DSS'));
  const list = (key: string): Uint8Array[] => {
    const value = view.resolve(dss?.get(key));
    if (value?.kind !== 'array') return [];
    const out: Uint8Array[] = [];
    for (const item of value.items) {
      const stream = view.resolve(item);
      if (stream?.kind === 'stream') out.push(decodeStream(stream));
    }
    return out;
  };
  const vri = view.dict(dss?.get('VRI'));
  return { certs: list('Certs'), crls: list('CRLs'), ocsps: list('OCSPs'), vriKeys: [...(vri?.keys() ?? [])] };
}
