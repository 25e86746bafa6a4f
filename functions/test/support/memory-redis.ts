/**
 * An in-memory Redis behind the real @upstash/redis client, for unit tests: `memoryRedis()` gives a
 * `Redis` whose requests (single commands and pipelines, as the REST API receives them) are answered
 * here instead of over HTTP, so the client's own argument serialization and reply deserialization
 * run as in production. Strings and hashes only, with TTLs on an injectable clock; an unknown
 * command is an error, so a test never passes on a command this does not model.
 */
import { Redis, type UpstashRequest, type UpstashResponse } from '@upstash/redis';

type Value = { type: 'string'; data: string } | { type: 'hash'; data: Map<string, string> };

interface Entry {
  value: Value;
  /** Epoch ms; undefined = no TTL. */
  expiresAt?: number;
}

class ReplyError extends Error {}

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

export interface MemoryRedisOptions {
  now?: () => number;
  /** Delay of every request, so work a caller does not wait for is still pending when it returns. */
  latencyMs?: number;
}

export class MemoryRedisServer {
  private readonly keys = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly latencyMs: number;
  private failing = 0;

  constructor(opts: MemoryRedisOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.latencyMs = opts.latencyMs ?? 0;
  }

  /** The next `count` requests fail like an unreachable server (the client rejects). */
  failRequests(count = Number.POSITIVE_INFINITY): void {
    this.failing = count;
  }

  /** Live keys (not expired). */
  keyNames(): string[] {
    return [...this.keys.keys()].filter((k) => this.lookup(k) !== undefined);
  }

  /** Runs one command now, bypassing latency and injected failures (for a test's assertions). */
  command(...cmd: (string | number)[]): unknown {
    const reply = this.reply(cmd);
    if (reply.error !== undefined) throw new Error(reply.error);
    return reply.result;
  }

  /** The Upstash REST API: a command is `[name, ...args]`; a pipeline is a list of them. */
  readonly request = async <TResult = unknown>(req: UpstashRequest): Promise<UpstashResponse<TResult>> => {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (this.failing > 0) {
      this.failing -= 1;
      throw new TypeError('fetch failed');
    }
    const path = req.path ?? [];
    if (path[0] === 'pipeline') {
      // The REST API answers a pipeline with a bare array of replies, which the client expects.
      const replies = (req.body as (string | number)[][]).map((cmd) => this.reply(cmd));
      return replies as UpstashResponse<TResult>;
    }
    if (path.length > 0) throw new Error(`MemoryRedis: unsupported path /${path.join('/')}`);
    return this.reply(req.body as (string | number)[]) as UpstashResponse<TResult>;
  };

  private reply(cmd: (string | number)[]): UpstashResponse<unknown> {
    try {
      return { result: this.exec(cmd) };
    } catch (err) {
      if (err instanceof ReplyError) return { error: err.message };
      throw err;
    }
  }

  private lookup(key: string): Entry | undefined {
    const entry = this.keys.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      this.keys.delete(key);
      return undefined;
    }
    return entry;
  }

  private string(key: string): string | null {
    const entry = this.lookup(key);
    if (!entry) return null;
    if (entry.value.type !== 'string') throw new ReplyError(WRONGTYPE);
    return entry.value.data;
  }

  private hash(key: string, create: boolean): Map<string, string> | undefined {
    const entry = this.lookup(key);
    if (!entry) {
      if (!create) return undefined;
      const data = new Map<string, string>();
      this.keys.set(key, { value: { type: 'hash', data } });
      return data;
    }
    if (entry.value.type !== 'hash') throw new ReplyError(WRONGTYPE);
    return entry.value.data;
  }

  private exec([name, ...raw]: (string | number)[]): unknown {
    const args = raw.map(String);
    const int = (s: string | undefined): number => {
      if (s === undefined || !/^-?\d+$/.test(s))
        throw new ReplyError('ERR value is not an integer or out of range');
      return Number(s);
    };
    const arity = (min: number) => {
      if (args.length < min)
        throw new ReplyError(`ERR wrong number of arguments for '${String(name)}' command`);
    };
    switch (String(name).toLowerCase()) {
      case 'ping':
        return 'PONG';
      case 'get':
        arity(1);
        return this.string(args[0]!);
      case 'mget':
        arity(1);
        return args.map((k) => {
          const entry = this.lookup(k);
          return entry?.value.type === 'string' ? entry.value.data : null;
        });
      case 'set': {
        arity(2);
        const [key, value, ...opts] = args as [string, string, ...string[]];
        const exists = this.lookup(key) !== undefined;
        let expiresAt: number | undefined;
        let keepTtl = false;
        for (let i = 0; i < opts.length; i += 1) {
          const opt = opts[i]!.toLowerCase();
          if (opt === 'nx' && exists) return null;
          if (opt === 'xx' && !exists) return null;
          if (opt === 'ex') expiresAt = this.now() + int(opts[++i]) * 1000;
          else if (opt === 'px') expiresAt = this.now() + int(opts[++i]);
          else if (opt === 'keepttl') keepTtl = true;
          else if (opt !== 'nx' && opt !== 'xx') throw new ReplyError(`ERR syntax error (${opt})`);
        }
        if (keepTtl) expiresAt = this.keys.get(key)?.expiresAt;
        this.keys.set(key, { value: { type: 'string', data: value }, expiresAt });
        return 'OK';
      }
      case 'del':
        arity(1);
        return args.filter((k) => this.lookup(k) !== undefined && this.keys.delete(k)).length;
      case 'incr': {
        arity(1);
        const next = int(this.string(args[0]!) ?? '0') + 1;
        const entry = this.keys.get(args[0]!);
        this.keys.set(args[0]!, {
          value: { type: 'string', data: String(next) },
          expiresAt: entry?.expiresAt,
        });
        return next;
      }
      case 'expire': {
        arity(2);
        const entry = this.lookup(args[0]!);
        if (!entry) return 0;
        const seconds = int(args[1]);
        if (seconds <= 0) this.keys.delete(args[0]!);
        else entry.expiresAt = this.now() + seconds * 1000;
        return 1;
      }
      case 'ttl': {
        arity(1);
        const entry = this.lookup(args[0]!);
        if (!entry) return -2;
        if (entry.expiresAt === undefined) return -1;
        return Math.round((entry.expiresAt - this.now()) / 1000);
      }
      case 'exists':
        arity(1);
        return args.filter((k) => this.lookup(k) !== undefined).length;
      case 'hget':
        arity(2);
        return this.hash(args[0]!, false)?.get(args[1]!) ?? null;
      case 'hmget': {
        arity(2);
        const hash = this.hash(args[0]!, false);
        return args.slice(1).map((f) => hash?.get(f) ?? null);
      }
      case 'hset': {
        if (args.length < 3 || args.length % 2 === 0)
          throw new ReplyError("ERR wrong number of arguments for 'hset'");
        const hash = this.hash(args[0]!, true)!;
        let added = 0;
        for (let i = 1; i < args.length; i += 2) {
          if (!hash.has(args[i]!)) added += 1;
          hash.set(args[i]!, args[i + 1]!);
        }
        return added;
      }
      case 'hincrby': {
        arity(3);
        const by = int(args[2]);
        const hash = this.hash(args[0]!, true)!;
        const current = hash.get(args[1]!);
        if (current !== undefined && !/^-?\d+$/.test(current))
          throw new ReplyError('ERR hash value is not an integer');
        const next = Number(current ?? 0) + by;
        hash.set(args[1]!, String(next));
        return next;
      }
      default:
        throw new ReplyError(`ERR unknown command '${String(name)}' (not modelled by MemoryRedis)`);
    }
  }
}

/** The real client over a fresh in-memory server. */
export function memoryRedis(opts: MemoryRedisOptions = {}): { redis: Redis; server: MemoryRedisServer } {
  const server = new MemoryRedisServer(opts);
  return { redis: new Redis({ request: server.request }), server };
}
