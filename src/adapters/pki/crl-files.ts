import { readFileSync } from 'node:fs';
import { loadTrustMaterialFromPem } from './certificate-validation';
import { x509 } from './x509';

/**
 * CRL files (PEM) kept fresh while the service runs: read again once the earliest nextUpdate has
 * passed, or `refreshMs` after the last read (0: on every use), so that a revocation written to the
 * files (`sdx keys revoke`) reaches new signatures without a restart. A file that cannot be read
 * keeps the CRLs read before.
 */
export class CrlFiles {
  private crls: Uint8Array[] = [];
  private readAt = Number.NEGATIVE_INFINITY;
  private due = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly paths: readonly string[],
    private readonly clock: () => Date,
    private readonly refreshMs: number,
  ) {}

  /** The current CRLs (DER). */
  readonly current = (): Uint8Array[] => {
    const now = this.clock().getTime();
    if (now >= this.due || now - this.readAt >= this.refreshMs) this.read(now);
    return this.crls;
  };

  private read(now: number): void {
    try {
      this.crls = loadTrustMaterialFromPem({ anchors: [], crls: this.paths.map((path) => readFileSync(path, 'utf8')) }).crls;
    } catch {
      // Keep serving what was read before; the next use tries again.
      return;
    }
    this.readAt = now;
    const next = this.crls.map((der) => new x509.X509Crl(der).nextUpdate?.getTime()).filter((t): t is number => t !== undefined);
    this.due = next.length > 0 ? Math.min(...next) : Number.POSITIVE_INFINITY;
  }
}
