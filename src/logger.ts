import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * JSON logs on stdout (human-readable with `pretty`, meant for development on a terminal).
 * Never pass request bodies, passwords, hashes, codes or tokens.
 */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  output: { pretty?: boolean } = {},
): Logger {
  const options = {
    level,
    base: { service: 'user-gateway' },
    redact: {
      paths: [
        'password',
        'currentPassword',
        'hash',
        'token',
        'authorization',
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
  const target = destination ?? (output.pretty ? pretty({ colorize: true, sync: true }) : undefined);
  return target ? pino(options, target) : pino(options);
}
