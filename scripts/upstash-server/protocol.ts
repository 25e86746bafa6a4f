/**
 * Pure (I/O-free) parts of the local Upstash Redis REST server:
 * request parsing, command validation, Lua shebang rewriting and reply encoding.
 *
 * See /work/shared/upstash-rest-protocol.md for the protocol this implements.
 */
import { createHash } from 'node:crypto';

// ---------------------------------------------------------------------------
// JSON output
// ---------------------------------------------------------------------------

/** An integer reply too large for a JS number; serialised verbatim as a JSON number. */
export class JsonInteger {
  constructor(readonly text: string) {
    if (!/^-?\d+$/.test(text)) {
      throw new TypeError(`not an integer: ${text}`);
    }
  }
}

export type JsonOut = null | boolean | number | string | JsonInteger | JsonOut[] | { [key: string]: JsonOut };

/** JSON.stringify that also writes {@link JsonInteger} values as bare numbers. */
export function serializeJson(value: JsonOut): string {
  if (value === null) return 'null';
  if (value instanceof JsonInteger) return value.text;
  if (Array.isArray(value)) return `[${value.map(serializeJson).join(',')}]`;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    default: {
      const parts: string[] = [];
      for (const [key, item] of Object.entries(value)) {
        parts.push(`${JSON.stringify(key)}:${serializeJson(item)}`);
      }
      return `{${parts.join(',')}}`;
    }
  }
}

// ---------------------------------------------------------------------------
// Reply encoding
// ---------------------------------------------------------------------------

function encodeText(bytes: Buffer, base64: boolean): string {
  return base64 ? bytes.toString('base64') : bytes.toString('utf8');
}

function integerFromText(text: string): number | JsonInteger {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : new JsonInteger(text);
}

/**
 * Convert a raw driver reply (ioredis `callBuffer` with `stringNumbers: true`) into the JSON
 * value Upstash would put in `result`:
 *
 * - Buffer (bulk string or status reply) -> string, base64 when `base64` is true (status replies
 *   such as OK / PONG / QUEUED included, at every depth)
 * - integer (number, bigint, or a decimal string as produced by `stringNumbers`) -> JSON number
 * - nil -> null
 * - arrays recurse; maps / plain objects are flattened to `[k, v, ...]` (never emit JSON objects)
 * - an error nested in an array (EXEC, Lua tables) -> its message, encoded like a string
 */
export function encodeReply(value: unknown, base64: boolean): JsonOut {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return encodeText(value, base64);
  if (value instanceof Uint8Array) return encodeText(Buffer.from(value), base64);
  if (typeof value === 'string') {
    // With stringNumbers, integer replies arrive as decimal strings; bulk strings are Buffers.
    if (/^-?\d+$/.test(value)) return integerFromText(value);
    return encodeText(Buffer.from(value, 'utf8'), base64);
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value;
    // RESP3 doubles: Upstash/RESP2 send them as bulk strings.
    return encodeText(Buffer.from(String(value), 'utf8'), base64);
  }
  if (typeof value === 'bigint') return integerFromText(value.toString());
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Error) return encodeText(Buffer.from(value.message, 'utf8'), base64);
  if (Array.isArray(value)) return value.map((item: unknown) => encodeReply(item, base64));
  if (value instanceof Map) {
    const flat: JsonOut[] = [];
    for (const [k, v] of value as Map<unknown, unknown>) {
      flat.push(encodeReply(k, base64), encodeReply(v, base64));
    }
    return flat;
  }
  if (value instanceof Set) {
    return [...(value as Set<unknown>)].map((item) => encodeReply(item, base64));
  }
  if (typeof value === 'object') {
    const flat: JsonOut[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      flat.push(encodeReply(k, base64), encodeReply(v, base64));
    }
    return flat;
  }
  return null; // functions / symbols: never produced by the driver
}

// ---------------------------------------------------------------------------
// Request parsing
// ---------------------------------------------------------------------------

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** A validated command: non-empty, all arguments strings. `args[0]` is the command name. */
export type CommandArgs = [string, ...string[]];

/**
 * Turn one JSON argument into the string Redis receives. Numbers and booleans are stringified
 * (the SDK sends `["set","k","v","ex",100]`); anything else is rejected.
 */
export function stringifyArg(arg: unknown): ParseResult<string> {
  switch (typeof arg) {
    case 'string':
      return { ok: true, value: arg };
    case 'number':
      if (!Number.isFinite(arg)) return { ok: false, error: `invalid number argument ${String(arg)}` };
      return { ok: true, value: String(arg) };
    case 'boolean':
      return { ok: true, value: arg ? 'true' : 'false' };
    default:
      if (arg === null) {
        return { ok: false, error: 'null argument (an undefined value on the client side?)' };
      }
      return { ok: false, error: `unsupported argument type ${Array.isArray(arg) ? 'array' : typeof arg}` };
  }
}

/** Parse one command: a non-empty JSON array of strings / numbers / booleans. */
export function parseCommand(raw: unknown): ParseResult<CommandArgs> {
  if (!Array.isArray(raw)) {
    return { ok: false, error: 'ERR command must be a JSON array, e.g. ["get","key"]' };
  }
  if (raw.length === 0) return { ok: false, error: 'ERR empty command' };
  const args: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const parsed = stringifyArg(raw[i] as unknown);
    if (!parsed.ok) return { ok: false, error: `ERR ${parsed.error} at position ${i}` };
    args.push(parsed.value);
  }
  const [name, ...rest] = args;
  if (name === undefined || name.length === 0) return { ok: false, error: 'ERR empty command name' };
  return { ok: true, value: [name, ...rest] };
}

/**
 * Parse a /pipeline or /multi-exec body: a JSON array of commands. Each element is parsed on its
 * own so a pipeline can report per-element errors.
 */
export function parseCommandList(raw: unknown): ParseResult<ParseResult<CommandArgs>[]> {
  if (!Array.isArray(raw)) {
    return { ok: false, error: 'ERR body must be a JSON array of commands, e.g. [["get","a"],["get","b"]]' };
  }
  return { ok: true, value: raw.map((item: unknown) => parseCommand(item)) };
}

// ---------------------------------------------------------------------------
// Command validation
// ---------------------------------------------------------------------------

const BLOCKING_COMMANDS = new Set([
  'BLPOP',
  'BRPOP',
  'BRPOPLPUSH',
  'BLMOVE',
  'BLMPOP',
  'BZPOPMIN',
  'BZPOPMAX',
  'BZMPOP',
  'WAIT',
  'WAITAOF',
]);

/** Commands that change or depend on per-connection state, or that would break the shared connection. */
const CONNECTION_COMMANDS = new Set([
  'SELECT',
  'WATCH',
  'UNWATCH',
  'MULTI',
  'EXEC',
  'DISCARD',
  'SUBSCRIBE',
  'PSUBSCRIBE',
  'SSUBSCRIBE',
  'UNSUBSCRIBE',
  'PUNSUBSCRIBE',
  'SUNSUBSCRIBE',
  'MONITOR',
  'QUIT',
  'RESET',
  'HELLO',
  'AUTH',
  'CLIENT',
  'READONLY',
  'READWRITE',
  'ASKING',
  'SYNC',
  'PSYNC',
  'REPLCONF',
  'SHUTDOWN',
  'DEBUG',
]);

/** True when an XREAD / XREADGROUP call carries a BLOCK option (before STREAMS). */
function hasBlockOption(args: readonly string[]): boolean {
  let i = 1;
  while (i < args.length) {
    const token = (args[i] ?? '').toUpperCase();
    if (token === 'STREAMS') return false;
    if (token === 'BLOCK') return true;
    if (token === 'GROUP') i += 3;
    else if (token === 'COUNT' || token === 'CLAIM') i += 2;
    else i += 1;
  }
  return false;
}

/**
 * Returns an error message (`ERR ...`) when the command must not run on the shared Redis
 * connection, or null when it may run.
 */
export function validateCommand(args: CommandArgs): string | null {
  const name = args[0].toUpperCase();
  if (BLOCKING_COMMANDS.has(name)) {
    return `ERR blocking command '${name}' is not supported by the local Upstash REST server`;
  }
  if ((name === 'XREAD' || name === 'XREADGROUP') && hasBlockOption(args)) {
    return `ERR '${name}' with BLOCK is not supported by the local Upstash REST server`;
  }
  if (CONNECTION_COMMANDS.has(name)) {
    const hint =
      name === 'MULTI' || name === 'EXEC' || name === 'DISCARD' ? ' (use the /multi-exec endpoint)' : '';
    return `ERR command '${name}' is not supported by the local Upstash REST server${hint}`;
  }
  return null;
}

// ---------------------------------------------------------------------------
// Lua scripts: Upstash-only shebang flags
// ---------------------------------------------------------------------------

/** Script flags stock Redis 7 understands. Anything else (e.g. allow-key-locking) is Upstash-only. */
export const REDIS_SCRIPT_FLAGS: ReadonlySet<string> = new Set([
  'no-writes',
  'allow-oom',
  'allow-stale',
  'no-cluster',
  'allow-cross-slot-keys',
]);

export function sha1(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/**
 * Drop script flags stock Redis rejects from a `#!lua flags=...` shebang.
 * Returns the rewritten script, or null when the script needs no change.
 */
export function rewriteShebang(script: string): string | null {
  if (!script.startsWith('#!')) return null;
  const newline = script.indexOf('\n');
  const firstLine = newline === -1 ? script : script.slice(0, newline);
  const rest = newline === -1 ? '' : script.slice(newline);
  const tokens = firstLine.slice(2).split(' ');
  let changed = false;
  const kept: string[] = [];
  for (const token of tokens) {
    if (!token.startsWith('flags=')) {
      kept.push(token);
      continue;
    }
    const flags = token.slice('flags='.length).split(',');
    const known = flags.filter((flag) => REDIS_SCRIPT_FLAGS.has(flag));
    if (known.length === flags.length) {
      kept.push(token);
      continue;
    }
    changed = true;
    if (known.length > 0) kept.push(`flags=${known.join(',')}`);
  }
  if (!changed) return null;
  return `#!${kept.join(' ')}${rest}`;
}

export interface PreparedCommand {
  /** The command to send to Redis. */
  args: CommandArgs;
  /** Adjusts the raw Redis reply (e.g. SCRIPT LOAD reports the SHA1 of the original script). */
  mapReply?: (reply: unknown) => unknown;
}

/**
 * Remembers sha1(original script) -> sha1(rewritten script) so that EVALSHA with the SHA the
 * client computed still finds the script Redis actually cached.
 */
export class ScriptRegistry {
  private readonly shaMap = new Map<string, string>();

  /** Number of remembered rewritten scripts. */
  get size(): number {
    return this.shaMap.size;
  }

  /** Translate a client-side SHA1 to the one Redis knows (unknown SHAs pass through). */
  translateSha(sha: string): string {
    return this.shaMap.get(sha.toLowerCase()) ?? sha;
  }

  private rewriteAndRemember(script: string): string | null {
    const rewritten = rewriteShebang(script);
    if (rewritten !== null) this.shaMap.set(sha1(script), sha1(rewritten));
    return rewritten;
  }

  /** Rewrite EVAL / EVALSHA / SCRIPT LOAD / SCRIPT EXISTS for stock Redis. Other commands pass through. */
  prepare(args: CommandArgs): PreparedCommand {
    const name = args[0].toUpperCase();
    switch (name) {
      case 'EVAL':
      case 'EVAL_RO': {
        const script = args[1];
        if (script === undefined) return { args };
        const rewritten = this.rewriteAndRemember(script);
        if (rewritten === null) return { args };
        return { args: [args[0], rewritten, ...args.slice(2)] };
      }
      case 'EVALSHA':
      case 'EVALSHA_RO': {
        const sha = args[1];
        if (sha === undefined) return { args };
        return { args: [args[0], this.translateSha(sha), ...args.slice(2)] };
      }
      case 'SCRIPT': {
        const sub = (args[1] ?? '').toUpperCase();
        if (sub === 'LOAD' && args.length === 3 && args[2] !== undefined) {
          const original = args[2];
          const rewritten = this.rewriteAndRemember(original);
          if (rewritten === null) return { args };
          const originalSha = sha1(original);
          // Redis answers sha1(rewritten); Upstash answers sha1(original), which is what clients compute.
          return {
            args: [args[0], args[1] ?? 'LOAD', rewritten],
            mapReply: (reply) => (Buffer.isBuffer(reply) ? Buffer.from(originalSha) : reply),
          };
        }
        if (sub === 'EXISTS') {
          return {
            args: [args[0], args[1] ?? 'EXISTS', ...args.slice(2).map((sha) => this.translateSha(sha))],
          };
        }
        return { args };
      }
      default:
        return { args };
    }
  }
}
