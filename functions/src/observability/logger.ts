/**
 * The one logging module (STYLE.md §11): structured entries through firebase-functions/logger,
 * which Cloud Logging parses as JSON. Pass the Error object itself; it is expanded with its stack.
 */
import * as functionsLogger from 'firebase-functions/logger';

export type LogFields = Record<string, unknown>;

function expand(fields: LogFields | undefined): LogFields | undefined {
  if (!fields) return undefined;
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] =
      value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
  }
  return out;
}

function emit(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: LogFields): void {
  const payload = expand(fields);
  if (payload) functionsLogger[level](message, payload);
  else functionsLogger[level](message);
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` (requestId, eventId, document path...) to every entry. */
  child(fields: LogFields): Logger;
}

function make(base: LogFields): Logger {
  const withBase = (fields?: LogFields): LogFields => ({ ...base, ...fields });
  return {
    debug: (m, f) => emit('debug', m, withBase(f)),
    info: (m, f) => emit('info', m, withBase(f)),
    warn: (m, f) => emit('warn', m, withBase(f)),
    error: (m, f) => emit('error', m, withBase(f)),
    child: (fields) => make(withBase(fields)),
  };
}

export const logger: Logger = make({});
