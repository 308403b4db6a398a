import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout. Never pass request bodies, passwords, hashes, codes or tokens. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'user-gateway' },
    redact: {
      paths: [
        '*.password',
        '*.currentPassword',
        '*.hash',
        '*.code',
        '*.token',
        '*.authorization',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
