/** A loggable summary of an error: name, code and status, never a message that may carry user text. */
export function errorSummary(error: unknown): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) return { type: typeof error };
  const e = error as { name?: unknown; code?: unknown; statusCode?: unknown; status?: unknown };
  return { name: e.name, code: e.code, status: e.statusCode ?? e.status };
}
