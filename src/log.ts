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
