import { openApiDocument } from '../../src/http/openapi';
import { DOC_ID, openApiValidator } from '../support/openapi-responses';
import { reports } from '../support/verification-reports';

describe('the OpenAPI VerificationReport schema', () => {
  const ajv = openApiValidator(openApiDocument() as object);
  const validate = ajv.compile({ $ref: `${DOC_ID}#/components/schemas/VerificationReport` });

  it.each(Object.entries(reports))('accepts a %s report (indeterminate findings, revisions, roles, trusted times, summary)', (_name, report) => {
    const ok = validate(JSON.parse(JSON.stringify(report)));
    expect(ok ? [] : validate.errors).toEqual([]);
  });

  it('refuses a verdict or an outcome the verifier does not give', () => {
    expect(validate({ ...reports.genuine, verdict: 'maybe' })).toBe(false);
    expect(validate({ ...reports.genuine, summary: { outcome: 'probably-fine' } })).toBe(false);
    expect(validate({ ...reports.genuine, ledger: 'somewhere' })).toBe(false);
  });
});
