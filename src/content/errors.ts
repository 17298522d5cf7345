/** A content file is wrong: names the file, the path inside it and the fault, so an editor can fix it. */
export class ContentError extends Error {
  override name = 'ContentError';
  constructor(
    readonly file: string,
    readonly path: string,
    readonly fault: string,
  ) {
    super(`${file}${path ? ` at ${path}` : ''}: ${fault}`);
  }
}

/** Type guard for ContentError. */
export function isContentError(error: unknown): error is ContentError {
  return error instanceof ContentError;
}
