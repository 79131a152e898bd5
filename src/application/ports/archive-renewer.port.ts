/**
 * Keeps signed PDFs provable after their timestamps' certificates expire (PAdES B-LTA): the
 * implementation holds the TSA, revocation sources and clock it renews with.
 */
export interface ArchiveRenewer {
  /** When the PDF's newest timestamp stops proving anything (its TSA certificate's notAfter); undefined when it carries none. */
  newestTimestampExpiry(pdf: Uint8Array): Date | undefined;
  /**
   * The PDF with a DSS (validation data of every signature and timestamp in it) and a new document
   * timestamp appended as one incremental update: the given bytes stay a prefix, no appearance is added.
   */
  renew(pdf: Uint8Array): Promise<Uint8Array>;
}
