/** A4 portrait in PDF points (1/72 inch); y grows upwards from the bottom edge. */
export const PAGE = Object.freeze({ width: 595.28, height: 841.89 });

export const MARGIN = Object.freeze({ left: 42, right: 42, top: 40, bottom: 46 });

export const CONTENT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;

/** Baseline of the footer line (page numbers) below the bottom margin. */
export const FOOTER_BASELINE = 26;

export interface SignatureBox {
  page: 'last';
  x: number;
  y: number;
  width: number;
  height: number;
}

const boxGap = 18;
const boxWidth = (CONTENT_WIDTH - boxGap) / 2;
const boxHeight = 58;

/**
 * Where the signer puts the visible signature widgets: two rectangles at the bottom of the last page
 * that the renderer leaves empty (it draws only a caption above and a hairline frame around each).
 */
export const signatureBoxes: Readonly<{ issuer: Readonly<SignatureBox>; counter: Readonly<SignatureBox> }> = Object.freeze({
  issuer: Object.freeze({ page: 'last' as const, x: MARGIN.left, y: MARGIN.bottom + 6, width: boxWidth, height: boxHeight }),
  counter: Object.freeze({
    page: 'last' as const,
    x: MARGIN.left + boxWidth + boxGap,
    y: MARGIN.bottom + 6,
    width: boxWidth,
    height: boxHeight,
  }),
});

/** Content on the last page must stay above this line so the signature area remains clear. */
export const SIGNATURE_AREA_TOP = signatureBoxes.issuer.y + boxHeight + 16;
