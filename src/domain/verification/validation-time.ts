/**
 * The time a verification is made "as at" (`sdx verify --at`, `POST /verify?at=`): an ISO 8601 date
 * or date-time such as 2036-01-01 or 2036-01-01T08:00:00+08:00; undefined for anything else, so
 * that a typo never silently means "now".
 */
export function parseValidationTime(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/.test(text)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
