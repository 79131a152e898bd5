import { createHash } from 'node:crypto';
import { PDFArray, PDFDict, PDFName, PDFRawStream, PDFRef, PDFString, type PDFContext, type PDFObject } from 'pdf-lib';
import { unpooledKeyDict } from '../pdf-objects';
import { appendObjects } from './incremental-update';

/** What a verifier needs to validate a signature offline: certificates, CRLs and OCSP responses (DER). */
export interface ValidationMaterial {
  certificates: Uint8Array[];
  crls: Uint8Array[];
  ocsps: Uint8Array[];
}

export interface DssEntry {
  /**
   * The VRI key: upper-case hex SHA-1 of the signature's /Contents value (the CMS or timestamp token
   * as stored, padding included), as ETSI EN 319 142-1 5.4.2.2 names it.
   */
  vriKey: string;
  material: ValidationMaterial;
  /** When the material was gathered, written as the VRI's /TU. */
  at: Date;
}

/**
 * Appends an incremental update that adds validation data to the document's Document Security Store
 * (PAdES B-LT, ETSI EN 319 142-1 5.4): each certificate, CRL and OCSP response once in /Certs,
 * /CRLs and /OCSPs (those already there are reused), and a /VRI entry per signature naming its own.
 * Only the DSS, its VRI and new streams are written (and the catalog, the first time), which the
 * strict SDX change profile allows after any signature.
 */
export function appendDss(pdf: Uint8Array, entries: readonly DssEntry[]): Promise<Uint8Array> {
  return appendObjects(pdf, (context, root, allocate) => {
    const written = new Map<PDFRef, PDFObject>();
    const catalog = context.lookup(root, PDFDict);
    const dssEntry = catalog.get(PDFName.of('DSS'));
    const oldDss = context.lookupMaybe(dssEntry, PDFDict);
    const dss = oldDss ? oldDss.clone(context) : context.obj({});
    const known = new Map<string, PDFRef>();
    const lists = {
      Certs: existingList(context, dss, 'Certs', known),
      CRLs: existingList(context, dss, 'CRLs', known),
      OCSPs: existingList(context, dss, 'OCSPs', known),
    };
    const streamOf = (der: Uint8Array, list: PDFArray): PDFRef => {
      const key = createHash('sha256').update(der).digest('hex');
      const found = known.get(key);
      if (found) return found;
      const ref = allocate();
      written.set(ref, context.stream(der));
      known.set(key, ref);
      list.push(ref);
      return ref;
    };
    const vriEntry = dss.get(PDFName.of('VRI'));
    const oldVri = context.lookupMaybe(vriEntry, PDFDict);
    // VRI keys differ per signature: written outside pdf-lib's name pool (see pdf-objects.ts).
    const vri = new Map<string, PDFObject>();
    for (const [key, value] of oldVri?.entries() ?? []) vri.set(key.decodeText(), value);
    for (const entry of entries) {
      const item = context.obj({});
      const add = (key: string, ders: Uint8Array[], list: PDFArray): void => {
        if (ders.length > 0) item.set(PDFName.of(key), context.obj(ders.map((der) => streamOf(der, list))));
      };
      add('Cert', entry.material.certificates, lists.Certs);
      add('CRL', entry.material.crls, lists.CRLs);
      add('OCSP', entry.material.ocsps, lists.OCSPs);
      item.set(PDFName.of('TU'), PDFString.fromDate(entry.at));
      vri.set(entry.vriKey, item);
    }
    for (const [key, list] of Object.entries(lists)) if (list.size() > 0) dss.set(PDFName.of(key), list);
    dss.set(PDFName.of('Type'), PDFName.of('DSS'));
    // The VRI and the DSS keep their object numbers when they have one: a later revision may redefine
    // those two objects (and only those), and the catalog stays as it was.
    const vriRef = vriEntry instanceof PDFRef ? vriEntry : allocate();
    written.set(vriRef, unpooledKeyDict(vri));
    dss.set(PDFName.of('VRI'), vriRef);
    const dssRef = dssEntry instanceof PDFRef ? dssEntry : allocate();
    written.set(dssRef, dss);
    if (!(dssEntry instanceof PDFRef)) {
      const newCatalog = catalog.clone(context);
      newCatalog.set(PDFName.of('DSS'), dssRef);
      written.set(root, newCatalog);
    }
    return written;
  });
}

/** A copy of the DSS's /Certs, /CRLs or /OCSPs array; its unfiltered streams are remembered by content. */
function existingList(context: PDFContext, dss: PDFDict, key: string, known: Map<string, PDFRef>): PDFArray {
  const old = context.lookupMaybe(dss.get(PDFName.of(key)), PDFArray);
  const list = old ? old.clone(context) : context.obj([]);
  for (const item of list.asArray()) {
    const stream = item instanceof PDFRef ? context.lookup(item) : undefined;
    if (item instanceof PDFRef && stream instanceof PDFRawStream && !stream.dict.has(PDFName.of('Filter'))) {
      known.set(createHash('sha256').update(stream.getContents()).digest('hex'), item);
    }
  }
  return list;
}
