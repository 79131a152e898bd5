/** Extended key usage purposes SDX issues and checks. */
export const ID_KP_EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
export const ID_KP_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
/** RFC 9336 id-kp-documentSigning. */
export const ID_KP_DOCUMENT_SIGNING = '1.3.6.1.5.5.7.3.36';
export const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
/** Adobe's authenticDocumentsTrust, which some document-signing certificates carry instead. */
export const ADOBE_AUTHENTIC_DOCUMENTS_TRUST = '1.2.840.113583.1.1.5';
/** RFC 6960 id-kp-OCSPSigning: a delegated OCSP responder. */
export const ID_KP_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
/** RFC 6960 4.2.2.2.1 id-pkix-ocsp-nocheck: do not check the responder certificate's revocation. */
export const ID_PKIX_OCSP_NOCHECK = '1.3.6.1.5.5.7.48.1.5';
/** RFC 5280 id-ad-ocsp, the AIA access method of an OCSP responder. */
export const ID_AD_OCSP = '1.3.6.1.5.5.7.48.1';
