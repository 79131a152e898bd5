import { ContentInfo, id_signedData, SignedData } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import { id_ct_tstInfo, TSTInfo } from '@peculiar/asn1-tsp';

/** The parts of a DER TimeStampToken; throws RangeError when it is not one. Does not verify it. */
export function readTimestampToken(token: Uint8Array): { signedData: SignedData; tstInfo: TSTInfo; tstInfoDer: Uint8Array } {
  const contentInfo = AsnConvert.parse(token, ContentInfo);
  if (contentInfo.contentType !== id_signedData) throw new RangeError('the time-stamp token is not CMS SignedData');
  const signedData = AsnConvert.parse(contentInfo.content, SignedData);
  const { eContentType, eContent } = signedData.encapContentInfo;
  if (eContentType !== id_ct_tstInfo || !eContent?.single) throw new RangeError('the time-stamp token does not encapsulate a TSTInfo');
  const tstInfoDer = new Uint8Array(eContent.single.buffer);
  return { signedData, tstInfo: AsnConvert.parse(tstInfoDer, TSTInfo), tstInfoDer };
}
