/**
 * CSV for spreadsheets (RFC 4180): every cell quoted, quotes doubled, CRLF between rows. A cell a spreadsheet would
 * read as a formula (starting with = + - @, a tab or a carriage return) is neutralised with a leading apostrophe,
 * as OWASP advises against CSV injection: an address or a reason can come from whoever typed it.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell, neutralised and quoted. */
export function csvCell(value: string | number): string {
  const text = typeof value === 'number' ? String(value) : value;
  const safe = typeof value === 'string' && FORMULA_START.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** A whole file: a header row, then the rows, each line ending CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
