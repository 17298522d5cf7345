/** What an LA typed or pasted, sorted into addresses to push and what was wrong. */
export interface ParsedAddresses {
  /** Valid, lower-cased, de-duplicated, in the order given. */
  readonly addresses: readonly string[];
  /** Entries that are not email addresses. */
  readonly invalid: readonly string[];
  /** Addresses outside the allowed domains. */
  readonly otherDomain: readonly string[];
  /** How many repeats were dropped. */
  readonly duplicates: number;
  /** More than the batch limit were given: nothing should be pushed. */
  readonly overLimit: boolean;
}

const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/;

/** Splits on spaces, commas, semicolons and lines; accepts "Name <address>" as pasted from Outlook. */
export function parseAddresses(text: string, options: { allowedDomains: readonly string[]; maxBatch: number }): ParsedAddresses {
  const tokens = text
    .replace(/<([^<>\s]+)>/g, ' $1 ')
    .split(/[\s,;]+/)
    .map((t) => t.trim().replace(/^mailto:/i, ''))
    .filter((t) => t !== '');
  const seen = new Set<string>();
  const addresses: string[] = [];
  const invalid: string[] = [];
  const otherDomain: string[] = [];
  let duplicates = 0;
  for (const token of tokens) {
    const candidate = token.toLowerCase();
    if (!candidate.includes('@')) {
      // Words around pasted addresses ("Jane Doe <jane@…>") are not errors; only things that look like addresses are.
      if (/[.@]/.test(candidate)) invalid.push(token);
      continue;
    }
    if (!EMAIL.test(candidate) || candidate.length > 254) {
      invalid.push(token);
      continue;
    }
    const domain = candidate.slice(candidate.lastIndexOf('@') + 1);
    if (!options.allowedDomains.some((d) => domain === d || domain.endsWith(`.${d}`))) {
      otherDomain.push(candidate);
      continue;
    }
    if (seen.has(candidate)) {
      duplicates++;
      continue;
    }
    seen.add(candidate);
    addresses.push(candidate);
  }
  return { addresses, invalid, otherDomain, duplicates, overLimit: addresses.length > options.maxBatch };
}
