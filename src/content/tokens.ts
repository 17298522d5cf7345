/** Replaces {token} placeholders in content text; an unknown token is reported, never left for a user to see. */
export function substituteTokens(text: string, tokens: Readonly<Record<string, string>>, onUnknown: (token: string) => void): string {
  return text.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => {
    const value = tokens[name];
    if (value === undefined) {
      onUnknown(name);
      return whole;
    }
    return value;
  });
}
