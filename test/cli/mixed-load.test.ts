// A short run of the mixed load bench (bench/mixed-load.ts) on the built `sdx serve`: every route
// answers as it must and the server stops cleanly. `npm run bench:load` runs it for 60 s and also
// bounds memory growth; `npm run test:stress` runs it here for 10 s.
import { formatReport, loadFailures, runMixedLoad } from '../../bench/mixed-load';
import { sdxBin } from '../support/built-cli';

const SECONDS = process.env.SDX_STRESS ? 10 : 3;

describe('sdx serve under a mixed loopback load', () => {
  it(`answers every request of a ${SECONDS} s mix of D/O lives, lists, views, PDFs, verify links and tree heads without an error`, async () => {
    const report = await runMixedLoad({ sdxBin, seconds: SECONDS });
    process.stdout.write(`${formatReport(report)}\n`);
    expect([...loadFailures(report, { checkMemory: false }), ...report.firstErrors]).toEqual([]);
    for (const route of report.routes) expect({ route: route.route, answered: route.requests > 0 }).toEqual({ route: route.route, answered: true });
    expect(report.routes.find((r) => r.route.includes('release again'))?.expectedRefusals).toBeGreaterThan(0);
  }, SECONDS * 1000 + 90_000);
});
