/**
 * The standard letter of indemnity for a telex release, in English and Chinese as carriers at
 * Chinese ports accept it. `{n}` is the number of original bills issued (all of them surrendered);
 * the shipper may edit the text before submitting.
 */
export const INDEMNITY_TEMPLATE =
  'In consideration of your releasing the cargo described above to the consignee without surrender of the original bills of lading, ' +
  'the full set ({n}/{n}) of which we have surrendered to you at the port of loading, we hereby agree to indemnify you, your servants ' +
  'and agents against any liability, loss, damage or expense of whatsoever nature which you may sustain by reason of delivering the ' +
  'cargo in accordance with our request. ' +
  '鉴于贵司应我司要求在未收回正本提单的情况下向收货人放货（全套正本提单 {n}/{n} 已在装货港交回贵司），我司承诺赔偿贵司及贵司雇员、代理因此遭受的一切责任、损失及费用。';

export function indemnityText(originals: number): string {
  return INDEMNITY_TEMPLATE.replace(/\{n\}/g, String(originals));
}
