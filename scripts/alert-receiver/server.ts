/**
 * A local stand-in for the alert webhook (Slack's incoming webhook or any receiver): takes
 * `POST /` JSON, prints one line per notification, and dedupes on the `Idempotency-Key` header the
 * evaluator sends (the delivery id, the same on every retry), as a real receiver should: a retry
 * after a lost answer is acknowledged and not shown twice. `GET /_received` lists what it took
 * (tests); `POST /_fail` `{count}` answers the next `count` POSTs with 503.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Port the CLI listens on by default (a free port if taken, in the stack). */
export const ALERT_RECEIVER_PORT = 8078;

export interface Received {
  id: string;
  at: string;
  body: unknown;
}

export interface AlertReceiver {
  url: string;
  port: number;
  received: Received[];
  /** POSTs answered 200 whose key was already taken. */
  duplicates: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startAlertReceiver(
  opts: { port?: number; host?: string; log?: (line: string) => void } = {},
): Promise<AlertReceiver> {
  const log = opts.log ?? (() => undefined);
  const seen = new Set<string>();
  let failNext = 0;
  const state = { received: [] as Received[], duplicates: 0 };
  const server = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    void (async () => {
      if (req.method === 'GET' && req.url === '/_received') return answer(200, state.received);
      const text = await readBody(req);
      if (req.method === 'POST' && req.url === '/_fail') {
        failNext = Number((JSON.parse(text || '{}') as { count?: number }).count ?? 1);
        return answer(200, { failNext });
      }
      if (req.method !== 'POST') return answer(405, { error: 'POST only' });
      if (failNext > 0) {
        failNext -= 1;
        return answer(503, { error: 'failing on purpose (/_fail)' });
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return answer(400, { error: 'not JSON' });
      }
      const id = req.headers['idempotency-key'];
      const key = typeof id === 'string' && id !== '' ? id : null;
      if (key !== null && seen.has(key)) {
        state.duplicates += 1;
        return answer(200, { ok: true, duplicate: true });
      }
      if (key !== null) seen.add(key);
      state.received.push({ id: key ?? '', at: new Date().toISOString(), body });
      log(`[alert webhook] ${(body as { text?: string }).text ?? text}`);
      answer(200, { ok: true });
    })().catch((err: unknown) => answer(500, { error: String(err) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    get received() {
      return state.received;
    },
    get duplicates() {
      return state.duplicates;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
