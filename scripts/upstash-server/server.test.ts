/**
 * Drives the local Upstash REST server with the real @upstash/redis and @upstash/ratelimit
 * clients, over a private redis-server started for this file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Ratelimit } from '@upstash/ratelimit';
import { errors, Redis } from '@upstash/redis';
import { sha1 } from './protocol';
import { createUpstashServer, type UpstashServer } from './server';

jest.setTimeout(15_000);

const TOKEN = `test-token-${randomUUID()}`;
const P = `ust:${randomUUID().slice(0, 8)}`;
const key = (name: string): string => `${P}:${name}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 5000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${String(code)}:\n${output}`));
    });
  });
  return child;
}

let redisProcess: ChildProcess | undefined;
let redisUrl = '';
let server: UpstashServer;
const clients: Record<'default' | 'noAutoPipeline' | 'plain', Redis> = {} as Record<
  'default' | 'noAutoPipeline' | 'plain',
  Redis
>;

beforeAll(async () => {
  const port = await freePort();
  redisProcess = await startRedis(port);
  redisUrl = `redis://127.0.0.1:${port}`;
  server = await createUpstashServer({ redisUrl, token: TOKEN, port: 0 });
  clients.default = new Redis({ url: server.url, token: TOKEN });
  clients.noAutoPipeline = new Redis({ url: server.url, token: TOKEN, enableAutoPipelining: false });
  clients.plain = new Redis({
    url: server.url,
    token: TOKEN,
    enableAutoPipelining: false,
    responseEncoding: false,
  });
});

afterAll(async () => {
  await server?.close();
  const child = redisProcess;
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

/** POST a raw body to the server, the way curl would. */
async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; json: unknown }> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as unknown };
}

describe.each(['default', 'noAutoPipeline', 'plain'] as const)('@upstash/redis client (%s)', (name) => {
  const k = (suffix: string): string => key(`${name}:${suffix}`);
  const redis = (): Redis => clients[name];

  it('sets with expiry, gets, reports ttl, deletes; a missing key is null', async () => {
    expect(await redis().set(k('s1'), 'hello', { ex: 100 })).toBe('OK');
    expect(await redis().get(k('s1'))).toBe('hello');
    const ttl = await redis().ttl(k('s1'));
    expect(ttl).toBeGreaterThan(90);
    expect(ttl).toBeLessThanOrEqual(100);
    expect(await redis().del(k('s1'))).toBe(1);
    expect(await redis().get(k('s1'))).toBeNull();
  });

  it('round-trips UTF-8 text', async () => {
    await redis().set(k('utf8'), 'héllo 日本');
    expect(await redis().get(k('utf8'))).toBe('héllo 日本');
  });

  it('increments numbers and keeps numeric strings with leading zeros as strings', async () => {
    expect(await redis().incr(k('n'))).toBe(1);
    expect(await redis().incr(k('n'))).toBe(2);
    await redis().set(k('zeros'), '00123');
    expect(await redis().get(k('zeros'))).toBe('00123');
  });

  it('stores hashes from objects and reads them back with hgetall', async () => {
    expect(await redis().hset(k('h'), { a: 1, b: 'x', c: { deep: true } })).toBe(3);
    expect(await redis().hgetall(k('h'))).toEqual({ a: 1, b: 'x', c: { deep: true } });
    expect(await redis().hgetall(k('no-hash'))).toBeNull();
  });

  it('reads several keys with mget', async () => {
    await redis().set(k('m1'), 'a');
    await redis().set(k('m2'), 2);
    expect(await redis().mget(k('m1'), k('m2'), k('m3'))).toEqual(['a', 2, null]);
  });

  it('pushes to and ranges over lists', async () => {
    expect(await redis().rpush(k('list'), 'a', 'b', 'c')).toBe(3);
    expect(await redis().lrange(k('list'), 0, -1)).toEqual(['a', 'b', 'c']);
    expect(await redis().lpop(k('list'))).toBe('a');
  });

  it('returns zrange withScores as a flat member/score array', async () => {
    await redis().zadd(k('z'), { score: 1.5, member: 'one' }, { score: 3, member: 'three' });
    expect(await redis().zrange(k('z'), 0, -1, { withScores: true })).toEqual(['one', 1.5, 'three', 3]);
  });

  it('answers ping with PONG and TYPE with the type name (status replies)', async () => {
    expect(await redis().ping()).toBe('PONG');
    await redis().set(k('typed'), 'v');
    expect(await redis().type(k('typed'))).toBe('string');
  });

  it('returns nested arrays from eval', async () => {
    const result = await redis().eval('return {KEYS[1],ARGV[1],42,{"nested",7}}', ['kk'], ['vv']);
    expect(result).toEqual(['kk', 'vv', 42, ['nested', 7]]);
  });

  it('rejects a failing command with an UpstashError carrying the Redis message', async () => {
    await redis().set(k('str'), 'not a number');
    const failure = redis().incr(k('str'));
    await expect(failure).rejects.toBeInstanceOf(errors.UpstashError);
    await expect(failure).rejects.toThrow('not an integer');
  });
});

describe('@upstash/redis client features (default config)', () => {
  const redis = (): Redis => clients.default;

  it('runs pipelines, and keepErrors reports the failing element', async () => {
    const ok = await redis().pipeline().set(key('p'), 5).incr(key('p')).get(key('p')).exec();
    expect(ok).toEqual(['OK', 6, 6]);

    await redis().set(key('pstr'), 'text');
    const failing = redis().pipeline().incr(key('pstr')).get(key('pstr'));
    await expect(failing.exec()).rejects.toThrow(/Command 1 \[ incr \] failed: ERR value is not an integer/);

    const kept = await redis().pipeline().get(key('pstr')).incr(key('pstr')).exec({ keepErrors: true });
    expect(kept[0]).toEqual({ error: undefined, result: 'text' });
    expect(kept[1]?.error).toContain('not an integer');
  });

  it('runs auto-pipelined commands concurrently in one batch', async () => {
    await redis().set(key('auto'), 10);
    const [a, b, c] = await Promise.all([
      redis().get(key('auto')),
      redis().incr(key('auto')),
      redis().get(key('none')),
    ]);
    expect(a === 10 || a === 11).toBe(true);
    expect(b).toBe(11);
    expect(c).toBeNull();
  });

  it('runs multi-exec transactions', async () => {
    const result = await redis().multi().set(key('tx'), 1).incr(key('tx')).get(key('tx')).exec();
    expect(result).toEqual(['OK', 2, 2]);
  });

  it('reports NOSCRIPT for an unknown evalsha', async () => {
    await expect(redis().evalsha('0123456789012345678901234567890123456789', [], [])).rejects.toThrow(
      'NOSCRIPT',
    );
  });

  it('runs createScript (EVALSHA, falling back to EVAL)', async () => {
    const script = redis().createScript<string>(`-- ${P}\nreturn ARGV[1] .. KEYS[1]`);
    expect(await script.exec(['-k'], ['first'])).toBe('first-k');
    expect(await script.exec(['-k'], ['again'])).toBe('again-k');
  });

  it('loads Upstash-only shebang scripts under the SHA1 the client computes', async () => {
    const source = `#!lua flags=allow-key-locking\n-- ${P}\nreturn ARGV[1]`;
    const sha = await redis().scriptLoad(source);
    expect(sha).toBe(sha1(source));
    expect(await redis().scriptExists(sha)).toEqual([1]);
    expect(await redis().evalsha(sha, [], ['mapped'])).toBe('mapped');
  });

  it('scans with a match pattern', async () => {
    await redis().set(key('scan:m1'), 1);
    await redis().set(key('scan:m2'), 2);
    await redis().set(key('scan:other'), 3);
    const found: string[] = [];
    let cursor: string | number = '0';
    do {
      const [next, keys]: [string, string[]] = await redis().scan(cursor, {
        match: key('scan:m*'),
        count: 1000,
      });
      expect(typeof next).toBe('string');
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    expect(found.sort()).toEqual([key('scan:m1'), key('scan:m2')]);
  });

  it('rejects a wrong token with Unauthorized', async () => {
    const intruder = new Redis({ url: server.url, token: 'wrong-token', enableAutoPipelining: false });
    await expect(intruder.get(key('s'))).rejects.toThrow(/Unauthorized/);
  });

  it('rejects blocking commands with a clear error instead of stalling', async () => {
    const started = Date.now();
    await expect(redis().exec(['blpop', key('queue'), 5])).rejects.toThrow(
      /blocking command 'BLPOP' is not supported/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    // The shared connection still works afterwards.
    expect(await redis().ping()).toBe('PONG');
  });
});

describe('@upstash/ratelimit', () => {
  it('slidingWindow(3, "10 s") allows three calls and denies the fourth; resetUsedTokens clears it', async () => {
    const limiter = new Ratelimit({
      redis: clients.default,
      limiter: Ratelimit.slidingWindow(3, '10 s'),
      ephemeralCache: false,
      prefix: key('rl-sliding'),
    });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.limit('user-1'));
    expect(results.map((r) => r.success)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    expect(results[3]?.reason).toBeUndefined();
    expect((await limiter.getRemaining('user-1')).remaining).toBe(0);

    await limiter.resetUsedTokens('user-1');
    expect((await limiter.limit('user-1')).success).toBe(true);
  });

  it('tokenBucket(1, "10 s", 2) allows the burst of two, then denies', async () => {
    const limiter = new Ratelimit({
      redis: clients.noAutoPipeline,
      limiter: Ratelimit.tokenBucket(1, '10 s', 2),
      ephemeralCache: false,
      prefix: key('rl-bucket'),
    });
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await limiter.limit('user-2')).success);
    expect(results).toEqual([true, true, false]);
  });

  it('fixedWindow(2, "1 h") allows two calls, then denies', async () => {
    const limiter = new Ratelimit({
      redis: clients.default,
      limiter: Ratelimit.fixedWindow(2, '1 h'),
      ephemeralCache: false,
      prefix: key('rl-fixed'),
    });
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await limiter.limit('user-3')).success);
    expect(results).toEqual([true, true, false]);
  });
});

describe('wire protocol (raw HTTP)', () => {
  it('base64-encodes status replies and keeps the result key for nil', async () => {
    expect(await post('', ['ping'], { 'Upstash-Encoding': 'base64' })).toMatchObject({
      status: 200,
      json: { result: 'UE9ORw==' },
    });
    expect((await post('', ['get', key('never-set')])).text).toBe('{"result":null}');
  });

  it('stringifies number and boolean arguments', async () => {
    await post('', ['set', key('argtypes'), true, 'ex', 60]);
    expect((await post('', ['get', key('argtypes')])).json).toEqual({ result: 'true' });
  });

  it('keeps integers beyond 2^53 exact in the JSON text', async () => {
    const res = await post('', ['incrby', key('big'), '9007199254740993']);
    expect(res.text).toBe('{"result":9007199254740993}');
  });

  it('flattens HGETALL into an array', async () => {
    await post('', ['hset', key('rawh'), 'f', 'v']);
    expect((await post('', ['hgetall', key('rawh')])).json).toEqual({ result: ['f', 'v'] });
  });

  it('answers single-command errors with 400 {error}', async () => {
    expect(await post('', ['nosuchcommand'])).toMatchObject({
      status: 400,
      json: { error: expect.stringContaining("ERR unknown command 'nosuchcommand'") as unknown },
    });
  });

  it('answers /pipeline with 200 and per-element results or errors', async () => {
    const res = await post(
      '/pipeline',
      [['set', key('pp'), 1], ['nosuch'], ['select', 1], ['incr', key('pp')]],
      {
        'Upstash-Encoding': 'base64',
      },
    );
    expect(res.status).toBe(200);
    const body = res.json as { result?: unknown; error?: string }[];
    expect(body).toHaveLength(4);
    expect(body[0]).toEqual({ result: 'T0s=' });
    expect(body[1]?.error).toContain('unknown command');
    expect(body[2]?.error).toContain("'SELECT' is not supported");
    expect(body[3]).toEqual({ result: 2 });
  });

  it('aborts a /multi-exec with a queue-time error as a whole (non-2xx, nothing applied)', async () => {
    const res = await post('/multi-exec', [['set', key('mx'), 1], ['nosuch']]);
    expect(res.status).toBe(400);
    expect((res.json as { error: string }).error).toMatch(/^EXECABORT/);
    expect((await post('', ['get', key('mx')])).json).toEqual({ result: null });
  });

  it('reports runtime errors inside /multi-exec per element', async () => {
    const res = await post('/multi-exec', [
      ['set', key('mx2'), 'a'],
      ['incr', key('mx2')],
      ['get', key('mx2')],
    ]);
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { result: 'OK' },
      { error: 'ERR value is not an integer or out of range' },
      { result: 'a' },
    ]);
  });

  it('answers 401, 404, 405, malformed JSON and oversized bodies with JSON errors', async () => {
    expect(await post('', ['ping'], { Authorization: 'Bearer nope' })).toMatchObject({
      status: 401,
      json: { error: 'Unauthorized' },
    });
    expect((await post('/nowhere', ['ping'])).status).toBe(404);
    const get = await fetch(server.url, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(get.status).toBe(405);
    expect(await get.json()).toHaveProperty('error');
    expect(await post('', '["ping"')).toMatchObject({
      status: 400,
      json: { error: expect.stringMatching(/JSON/) as unknown },
    });
    const huge = await post('', JSON.stringify(['set', key('huge'), 'x'.repeat(11 * 1024 * 1024)]));
    expect(huge.status).toBe(413);
    expect((await post('', ['exists', key('huge')])).json).toEqual({ result: 0 });
  });

  it('counts commands as Upstash bills them (GET /_local/usage): one per command, pipelined or not', async () => {
    const usage = async () => {
      const res = await fetch(`${server.url}/_local/usage`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { requests: number; commands: number; byCommand: Record<string, number> };
    };
    const before = await usage();
    await post('', ['set', key('u'), '1']);
    await post('/pipeline', [['get', key('u')], ['incr', key('u')], ['nosuchcommand']]);
    await post('/multi-exec', [
      ['get', key('u')],
      ['get', key('u')],
    ]);
    const after = await usage();
    expect(after.requests - before.requests).toBe(3);
    // The unknown command reached Redis (and failed there): Upstash bills it too.
    expect(after.commands - before.commands).toBe(6);
    expect((after.byCommand.get ?? 0) - (before.byCommand.get ?? 0)).toBe(3);
    expect(server.usage().commands).toBe(after.commands);
    const anonymous = await fetch(`${server.url}/_local/usage`);
    expect(anonymous.status).toBe(401);
  });

  it('serves under a base path', async () => {
    const prefixed = await createUpstashServer({ redisUrl, token: TOKEN, port: 0, basePath: '/redis/' });
    try {
      expect(prefixed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/redis$/);
      const client = new Redis({ url: prefixed.url, token: TOKEN });
      expect(await client.pipeline().set(key('bp'), 'v').get(key('bp')).exec()).toEqual(['OK', 'v']);
      expect(await client.get(key('bp'))).toBe('v');
      const outside = await fetch(`http://127.0.0.1:${prefixed.port}/pipeline`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}` },
        body: '[["ping"]]',
      });
      expect(outside.status).toBe(404);
    } finally {
      await prefixed.close();
    }
  });
});
