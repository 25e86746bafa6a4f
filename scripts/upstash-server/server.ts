/**
 * A local server speaking the Upstash Redis REST protocol over a real redis-server, so the real
 * @upstash/redis and @upstash/ratelimit clients work against it as against Upstash.
 *
 * Endpoints (below an optional base path): POST `/` (one command), `/pipeline`, `/multi-exec`; and,
 * local only, GET `/_local/usage`: the commands run so far, counted as Upstash bills them (one per
 * command, each command of a pipeline or transaction counted), for the benchmark's cost figures.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis, ReplyError } from 'ioredis';
import {
  encodeReply,
  parseCommand,
  parseCommandList,
  ScriptRegistry,
  serializeJson,
  validateCommand,
  type CommandArgs,
  type JsonOut,
  type PreparedCommand,
} from './protocol';

export interface UpstashServerOptions {
  /** e.g. redis://127.0.0.1:6379 (a /db suffix selects the database). */
  redisUrl: string;
  /** Bearer token clients must send (`UPSTASH_REDIS_REST_TOKEN`). */
  token: string;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 (the default) picks a free port. */
  port?: number;
  /** Path prefix, e.g. "/redis": the client URL is then http://host:port/redis. Default "". */
  basePath?: string;
  /** Maximum request body size in bytes; default 10 MiB. */
  maxBodyBytes?: number;
  log?: (msg: string) => void;
}

export interface UpstashServer {
  /** The URL to give the client (UPSTASH_REDIS_REST_URL). */
  url: string;
  port: number;
  /** What GET /_local/usage answers: the commands run since the server started. */
  usage(): UpstashUsage;
  close(): Promise<void>;
}

/**
 * Commands run, counted as Upstash's pay-as-you-go plan bills them: every command sent to Redis
 * counts once, whether alone, in a pipeline or in a transaction; a script (EVAL, EVALSHA) is one.
 */
export interface UpstashUsage {
  /** HTTP requests that ran commands (a pipeline is one request). */
  requests: number;
  commands: number;
  /** Commands by lower-case name. */
  byCommand: Record<string, number>;
}

const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Command names (exact, lower-case) for which ioredis reshapes the reply. */
const TRANSFORMED_REPLY_COMMANDS: ReadonlySet<string> = new Set(['hgetall']);

const ReplyErrorClass = ReplyError as unknown as abstract new (...args: never[]) => Error;

/** An error reply from Redis (as opposed to a connection or driver failure). */
function isReplyError(err: unknown): boolean {
  return err instanceof ReplyErrorClass;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Reply {
  status: number;
  body: JsonOut;
}

type Route = 'single' | 'pipeline' | 'multi-exec' | 'usage';

function normalizeBasePath(basePath: string | undefined): string {
  const trimmed = (basePath ?? '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export async function createUpstashServer(opts: UpstashServerOptions): Promise<UpstashServer> {
  if (opts.token === '') throw new Error('createUpstashServer: token must not be empty');
  const log = opts.log ?? (() => undefined);
  const host = opts.host ?? '127.0.0.1';
  const basePath = normalizeBasePath(opts.basePath);
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const expectedAuth = sha256(`Bearer ${opts.token}`);
  const scripts = new ScriptRegistry();
  const usage: UpstashUsage = { requests: 0, commands: 0, byCommand: {} };
  const count = (commands: readonly PreparedCommand[]): void => {
    if (commands.length === 0) return;
    usage.requests += 1;
    usage.commands += commands.length;
    for (const { args } of commands) {
      const name = args[0].toLowerCase();
      usage.byCommand[name] = (usage.byCommand[name] ?? 0) + 1;
    }
  };

  const redis = new Redis(opts.redisUrl, {
    lazyConnect: false,
    // Queue briefly while (re)connecting, but fail requests instead of hanging when Redis is down.
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    // Integer replies as decimal strings: exact for values beyond 2^53, and distinguishable from
    // bulk strings (Buffers with callBuffer).
    stringNumbers: true,
    enableAutoPipelining: false,
    autoResubscribe: false,
    connectionName: 'upstash-rest-local',
  });

  // Startup failures are reported by the rejected promise below; log later errors once each.
  let lastRedisError = '';
  let connected = false;
  redis.on('error', (err: unknown) => {
    const msg = errorMessage(err);
    if (connected && msg !== lastRedisError) log(`redis error: ${msg}`);
    lastRedisError = msg;
  });
  redis.on('ready', () => {
    if (lastRedisError !== '') log('redis connection ready');
    lastRedisError = '';
  });

  try {
    await new Promise<void>((resolve, reject) => {
      const onReady = (): void => {
        redis.off('error', onError);
        connected = true;
        resolve();
      };
      const onError = (err: unknown): void => {
        redis.off('ready', onReady);
        reject(new Error(`cannot connect to Redis at ${opts.redisUrl}: ${errorMessage(err)}`));
      };
      redis.once('ready', onReady);
      redis.once('error', onError);
    });
  } catch (err) {
    redis.disconnect();
    throw err;
  }

  // ioredis applies reply transformers by exact (lower-case) command name: `hgetall` becomes a JS
  // object, which loses binary field names. Sending the name in upper case
  // bypasses that; other names keep the client's spelling so Redis error messages match Upstash's.
  const toDriverArgs = (args: CommandArgs): [string, ...string[]] => [
    TRANSFORMED_REPLY_COMMANDS.has(args[0]) ? args[0].toUpperCase() : args[0],
    ...args.slice(1),
  ];

  function elementReply(
    err: Error | null,
    value: unknown,
    prepared: PreparedCommand,
    base64: boolean,
  ): JsonOut {
    if (err) {
      // A connection-level failure fails the whole request (500) instead of one element.
      if (isReplyError(err)) return { error: err.message };
      throw err;
    }
    const mapped = prepared.mapReply ? prepared.mapReply(value) : value;
    return { result: encodeReply(mapped, base64) };
  }

  async function runSingle(body: unknown, base64: boolean): Promise<Reply> {
    const parsed = parseCommand(body);
    if (!parsed.ok) return { status: 400, body: { error: parsed.error } };
    const invalid = validateCommand(parsed.value);
    if (invalid !== null) return { status: 400, body: { error: invalid } };
    const prepared = scripts.prepare(parsed.value);
    const [name, ...args] = toDriverArgs(prepared.args);
    count([prepared]);
    try {
      const value: unknown = await redis.callBuffer(name, ...args);
      const mapped = prepared.mapReply ? prepared.mapReply(value) : value;
      return { status: 200, body: { result: encodeReply(mapped, base64) } };
    } catch (err) {
      if (isReplyError(err)) return { status: 400, body: { error: errorMessage(err) } };
      throw err;
    }
  }

  async function runPipeline(body: unknown, base64: boolean): Promise<Reply> {
    const list = parseCommandList(body);
    if (!list.ok) return { status: 400, body: { error: list.error } };
    const out: JsonOut[] = new Array<JsonOut>(list.value.length).fill(null);
    const pipeline = redis.pipeline();
    const sent: { index: number; prepared: PreparedCommand }[] = [];
    list.value.forEach((parsed, index) => {
      if (!parsed.ok) {
        out[index] = { error: parsed.error };
        return;
      }
      const invalid = validateCommand(parsed.value);
      if (invalid !== null) {
        out[index] = { error: invalid };
        return;
      }
      const prepared = scripts.prepare(parsed.value);
      const [name, ...args] = toDriverArgs(prepared.args);
      pipeline.callBuffer(name, ...args);
      sent.push({ index, prepared });
    });
    count(sent.map((s) => s.prepared));
    if (sent.length > 0) {
      const results = await pipeline.exec();
      if (results === null || results.length !== sent.length) {
        throw new Error('unexpected pipeline reply from Redis');
      }
      sent.forEach(({ index, prepared }, i) => {
        const [err, value] = results[i] ?? [new Error('missing pipeline reply'), null];
        out[index] = elementReply(err, value, prepared, base64);
      });
    }
    return { status: 200, body: out };
  }

  async function runMultiExec(body: unknown, base64: boolean): Promise<Reply> {
    const list = parseCommandList(body);
    if (!list.ok) return { status: 400, body: { error: list.error } };
    const prepared: PreparedCommand[] = [];
    for (const [index, parsed] of list.value.entries()) {
      const error = parsed.ok ? validateCommand(parsed.value) : parsed.error;
      if (error !== null || !parsed.ok) {
        return {
          status: 400,
          body: {
            error: `EXECABORT Transaction discarded because of an invalid command at index ${index}: ${error ?? ''}`,
          },
        };
      }
      prepared.push(scripts.prepare(parsed.value));
    }
    if (prepared.length === 0) return { status: 200, body: [] };
    count(prepared);
    const multi = redis.multi();
    for (const p of prepared) {
      const [name, ...args] = toDriverArgs(p.args);
      multi.callBuffer(name, ...args);
    }
    let results: [Error | null, unknown][] | null;
    try {
      results = await multi.exec();
    } catch (err) {
      if (!isReplyError(err)) throw err;
      const message = errorMessage(err);
      const previous: unknown = (err as { previousErrors?: unknown }).previousErrors;
      const details = Array.isArray(previous) ? previous.map((e: unknown) => errorMessage(e)).join('; ') : '';
      return { status: 400, body: { error: details ? `${message} ${details}` : message } };
    }
    if (results === null || results.length !== prepared.length) {
      throw new Error('transaction aborted by Redis');
    }
    const out = prepared.map((p, i) => {
      const [err, value] = results[i] ?? [new Error('missing transaction reply'), null];
      return elementReply(err, value, p, base64);
    });
    return { status: 200, body: out };
  }

  function usageJson(): JsonOut {
    return { requests: usage.requests, commands: usage.commands, byCommand: { ...usage.byCommand } };
  }

  function resolveRoute(pathname: string): Route | null {
    const path = pathname.replace(/\/+$/, '');
    if (basePath !== '' && path !== basePath && !path.startsWith(`${basePath}/`)) return null;
    const rest = path.slice(basePath.length);
    if (rest === '') return 'single';
    if (rest === '/pipeline') return 'pipeline';
    if (rest === '/multi-exec') return 'multi-exec';
    if (rest === '/_local/usage') return 'usage';
    return null;
  }

  function isAuthorized(req: http.IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return false;
    return timingSafeEqual(sha256(header.trim()), expectedAuth);
  }

  function readBody(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBodyBytes) {
        reject(new HttpError(413, `ERR request body larger than ${maxBodyBytes} bytes`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (chunk: Buffer) => {
        if (tooLarge) return;
        size += chunk.length;
        if (size > maxBodyBytes) {
          tooLarge = true;
          chunks.length = 0;
          reject(new HttpError(413, `ERR request body larger than ${maxBodyBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (!tooLarge) resolve(Buffer.concat(chunks));
      });
      req.on('error', reject);
    });
  }

  function send(
    res: http.ServerResponse,
    status: number,
    body: JsonOut,
    extraHeaders: http.OutgoingHttpHeaders = {},
  ): void {
    if (res.headersSent || res.destroyed) return;
    const text = serializeJson(body);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Access-Control-Allow-Origin': '*',
      ...extraHeaders,
    });
    res.end(text);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = resolveRoute(pathname);
    if (route === null) {
      req.resume();
      send(res, 404, { error: `Not found: ${pathname}` });
      return;
    }
    if (req.method === 'OPTIONS') {
      req.resume();
      res.writeHead(204, {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '*',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (route === 'usage') {
      req.resume();
      if (!isAuthorized(req)) send(res, 401, { error: 'Unauthorized' });
      else if (req.method !== 'GET') send(res, 405, { error: 'Use GET' }, { Allow: 'GET' });
      else send(res, 200, usageJson());
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      send(
        res,
        405,
        { error: `Method ${req.method ?? ''} not allowed, use POST` },
        { Allow: 'POST, OPTIONS' },
      );
      return;
    }
    if (!isAuthorized(req)) {
      req.resume();
      send(res, 401, { error: 'Unauthorized' });
      return;
    }

    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (err) {
      if (err instanceof HttpError) {
        // Stop reading the oversized body; close the connection once the reply is out.
        req.resume();
        send(res, err.status, { error: err.message }, { Connection: 'close' });
        return;
      }
      throw err;
    }

    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      send(res, 400, { error: `ERR failed to parse request body as JSON: ${errorMessage(err)}` });
      return;
    }

    const encoding = req.headers['upstash-encoding'];
    const base64 = typeof encoding === 'string' && encoding.toLowerCase() === 'base64';
    const reply =
      route === 'single'
        ? await runSingle(body, base64)
        : route === 'pipeline'
          ? await runPipeline(body, base64)
          : await runMultiExec(body, base64);
    send(res, reply.status, reply.body);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const msg = errorMessage(err);
      log(`request failed: ${msg}`);
      send(res, 500, { error: `ERR ${msg}` });
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    redis.disconnect();
    throw err;
  }

  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}${basePath}`;

  let closing: Promise<void> | null = null;
  async function close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      server.close(() => resolve());
    });
    server.closeAllConnections();
    await closed;
    if (redis.status === 'ready') {
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    } else {
      redis.disconnect();
    }
  }

  return {
    url,
    port,
    usage: () => ({ ...usage, byCommand: { ...usage.byCommand } }),
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
