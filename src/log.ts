import pino, { type Logger } from 'pino';

export type { Logger };

/** Creates the process logger: JSON lines, no message text or personal data by convention, secrets redacted. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'nhsmail-welcome-bot' },
      redact: {
        paths: ['req.headers.authorization', '*.authorization', '*.password', '*.MicrosoftAppPassword', 'text', '*.text'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** Ids, types and names as Teams sends them; anything else is logged as "other", never as sent. */
const LOGGABLE = /^[\w:.@/-]{1,128}$/;
export function loggable(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' && LOGGABLE.test(value) ? value : 'other';
}
