/**
 * The one Retry-After reader (RFC 9110 §10.2.3), for Teams and Graph alike: delay-seconds ("3") or an HTTP-date.
 * Resolves the wait in milliseconds, or undefined when the header is missing or unreadable, so each caller falls
 * back to its own backoff. A date in the past is a wait of 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Every HTTP-date form starts with the day's name ("Sun, 06 Nov 1994 08:49:37 GMT"); Date.parse alone would take "-5".
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}
