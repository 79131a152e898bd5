/** `npm run test:stress` sets SDX_STRESS=1: the long versions of the volume and property tests. */
export const stress = process.env.SDX_STRESS === '1';
