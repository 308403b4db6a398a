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
  // Stdout written asynchronously (sync: false): a line is queued and written by the event loop,
  // lines queued meanwhile in one write, instead of one blocking write(2) per line on the request
  // path. pino.destination writes what is still queued when the process exits (its exit hook).
  const target =
    destination ??
    (output.pretty ? pretty({ colorize: true, sync: true }) : pino.destination({ dest: 1, sync: false }));
  return pino(options, target);
}

const QUOTED = /(Variable |at )?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/g;

/**
 * An error message with every value it quotes replaced by `…`: GraphQL's coercion, validation and
 * syntax messages repeat what the caller sent ("got invalid value [\"…\"]", source excerpts), and a
 * caller may send a password or code in the wrong place. Kept: the message's words, the variable
 * name after `Variable ` and the input path after `at `, which come from the schema and document.
 */
export function redactedMessage(message: string): string {
  const head = message.split('\n\n')[0] ?? '';
  return head
    .replace(QUOTED, (_match, before: string | undefined, quoted: string) =>
      before ? `${before}${quoted}` : `${quoted[0]}…${quoted[0]}`,
    )
    .replace(/\[[^\]]*\]|\{[^}]*\}/g, '…')
    .replace(/(value:? |found )(?!…|")[^\s;,]+/g, '$1…');
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  path?: unknown;
  locations?: unknown;
  extensions?: { code?: unknown };
}

/** An error as a structured log field, its message redacted, without a stack. */
export function loggableError(error: unknown): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) return { message: redactedMessage(String(error)) };
  const e = error as ErrorLike;
  return {
    type: typeof e.name === 'string' ? e.name : 'Error',
    message: redactedMessage(String(e.message ?? '')),
    ...(e.extensions?.code !== undefined ? { code: e.extensions.code } : {}),
    ...(Array.isArray(e.path) ? { path: e.path.join('.') } : {}),
    ...(Array.isArray(e.locations) ? { locations: e.locations } : {}),
  };
}

/**
 * yoga's `logging` option on pino: strings become messages, errors structured fields with their
 * values redacted (pino's key-based redaction cannot see inside a joined string). yoga reports
 * every GraphQL error through `error`, expected ones included: they are logged at debug; the
 * masking hook logs the unexpected ones at error level.
 */
export function yogaLogging(logger: Logger) {
  const at =
    (level: 'debug' | 'info' | 'warn') =>
    (...args: unknown[]) => {
      // yoga logs every request's steps at debug: nothing to build when that level is off.
      if (!logger.isLevelEnabled(level)) return;
      const errors = args.filter((a) => typeof a === 'object' && a !== null).map(loggableError);
      const text = args
        .filter((a) => typeof a !== 'object' || a === null)
        .map((a) => redactedMessage(String(a)))
        .join(' ');
      if (errors.length === 0) logger[level](text);
      else logger[level]({ errors }, text || 'graphql error');
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('debug') };
}

const ABORT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_STREAM_DESTROYED',
  'ERR_HTTP_REQUEST_TIMEOUT',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_INVALID_STREAM',
]);
const ABORT_MESSAGES = new Set([
  'aborted',
  'Premature close',
  'The operation was aborted',
  'This operation was aborted',
]);

/** A client that went away (or was cut off by a timeout) mid-request: not a defect of the gateway. */
export function isClientAbort(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const e = error as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; rawMessage?: unknown };
  if (e.name === 'AbortError' || (typeof e.code === 'string' && ABORT_CODES.has(e.code))) return true;
  if (ABORT_MESSAGES.has(String(e.message)) || ABORT_MESSAGES.has(String(e.rawMessage))) return true;
  return isClientAbort(e.cause, depth + 1);
}

/**
 * The handler for errors nothing expected: logged at error level with their stack, except a
 * client's abort, which is logged at debug without one.
 */
export function unexpectedErrorLogger(logger: Logger): (error: unknown) => void {
  return (error) => {
    if (isClientAbort(error))
      logger.debug({ reason: redactedMessage(String((error as Error).message)) }, 'client aborted the request');
    else logger.error({ err: error }, 'unexpected error');
  };
}
