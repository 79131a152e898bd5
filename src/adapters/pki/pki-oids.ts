/** Extended key usage purposes SDX issues and checks. */
export const ID_KP_EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
export const ID_KP_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
/** RFC 9336 id-kp-documentSigning. */
export const ID_KP_DOCUMENT_SIGNING = '1.3.6.1.5.5.7.3.36';
export const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
/** Adobe's authenticDocumentsTrust, which some document-signing certificates carry instead. */
export const ADOBE_AUTHENTIC_DOCUMENTS_TRUST = '1.2.840.113583.1.1.5';
