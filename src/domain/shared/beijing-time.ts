/** The one way a time is shown to people: China has one zone and no daylight saving, so +8 h is exact. */
export const BEIJING_SUFFIX = '北京时间 (UTC+8)';

/** `2026-12-03 17:23 北京时间 (UTC+8)`; undefined when `value` is not a valid date or ISO 8601 date-time. */
export function formatBeijingTime(value: Date | string): string | undefined {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return undefined;
  const shifted = new Date(date.getTime() + 8 * 3600 * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())} ` +
    `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())} ${BEIJING_SUFFIX}`
  );
}

// A full ISO 8601 date-time with a zone: a bare date (2026-12-03) is a calendar day, not an instant.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

export function isIsoDateTime(value: string): boolean {
  return ISO_DATE_TIME.test(value) && !Number.isNaN(new Date(value).getTime());
}
