/**
 * The bench's meter, preloaded (`node --require`, compiled to .cache/bench/meter.js by drive.ts) into
 * every server the bench measures, and nowhere else: the deployed code carries none of it.
 *
 * - CPU: the process's own `process.cpuUsage()`, which queueing on a shared machine does not inflate.
 * - Firestore: the documents read, written and deleted as Firestore bills them, counted where every
 *   RPC of the Firestore client passes (Firestore#request for unary calls, Firestore#requestStream
 *   for streamed ones: the library's own "funnel" for each). The emulator bills nothing and keeps
 *   no such counts, and counting here sees exactly the RPCs the served code makes, whichever module
 *   makes them, without touching that code.
 *
 * GET http://127.0.0.1:$BENCH_METER_PORT/ answers a MeterSnapshot; /profile/start and /profile/stop
 * take a CPU profile (the inspector's) in between. Loaded without that variable (the unit tests), it
 * only exports its pure parts. BENCH_WORK_AFTER_RESPONSE=1 also restores the previous answer-first
 * behaviour of the served code, for one comparison (workAfterResponse).
 */
import { createServer } from 'node:http';
import { Session } from 'node:inspector';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface FirestoreUsage {
  reads: number;
  writes: number;
  deletes: number;
  /** RPCs by method name (commit, batchGetDocuments, runQuery, ...). */
  rpcs: Record<string, number>;
}

export interface MeterSnapshot {
  /** User + system CPU time of this process since it started, in µs. */
  cpuUs: number;
  firestore: FirestoreUsage;
}

/** Writes and deletes a unary RPC bills: one per document written (set, update, create) or deleted. */
export function billedWrites(method: string, request: unknown): { writes: number; deletes: number } {
  const out = { writes: 0, deletes: 0 };
  if (method !== 'commit' && method !== 'batchWrite') return out;
  const writes = (request as { writes?: unknown } | null)?.writes;
  if (!Array.isArray(writes)) return out;
  for (const write of writes as ({ delete?: unknown } | null)[]) {
    if (write?.delete) out.deletes += 1;
    else out.writes += 1;
  }
  return out;
}

/**
 * Reads of one streamed RPC, fed message by message: a document found or missing in a lookup is a
 * read, so is each document a query returns, and a query that returns none still bills one. An
 * aggregation bills one read per 1,000 index entries; its response does not say how many, so it is
 * counted as one (the api runs none on the paths measured).
 */
export class StreamReads {
  reads = 0;
  private documents = 0;

  constructor(private readonly method: string) {}

  message(message: unknown): void {
    const m = message as { found?: unknown; missing?: unknown; document?: unknown; result?: unknown } | null;
    if (!m) return;
    if (this.method === 'batchGetDocuments' && (m.found || m.missing)) this.reads += 1;
    else if (this.method === 'runQuery' && m.document) {
      this.documents += 1;
      this.reads += 1;
    } else if (this.method === 'runAggregationQuery' && m.result) this.reads += 1;
  }

  /** The stream ended: a query that returned nothing is still billed one read. */
  end(): void {
    if (this.method === 'runQuery' && this.documents === 0) this.reads += 1;
  }
}

/** Firestore#request and #requestStream (internal, stable since v1): every RPC goes through one. */
export interface FirestoreFunnels {
  request: (this: unknown, method: string, request: unknown, ...rest: unknown[]) => Promise<unknown>;
  requestStream: (
    this: unknown,
    method: string,
    bidirectional: boolean,
    request: unknown,
    ...rest: unknown[]
  ) => Promise<NodeJS.ReadableStream>;
}

/** Wraps the Firestore client's two RPC funnels so each RPC adds what it bills to `usage`. */
export function meterFirestore(proto: FirestoreFunnels, usage: FirestoreUsage): void {
  const request = proto.request;
  const requestStream = proto.requestStream;
  const rpc = (method: string) => (usage.rpcs[method] = (usage.rpcs[method] ?? 0) + 1);
  proto.request = async function (method, req, ...rest) {
    const result = await request.call(this, method, req, ...rest);
    rpc(method);
    const billed = billedWrites(method, req);
    usage.writes += billed.writes;
    usage.deletes += billed.deletes;
    return result;
  };
  proto.requestStream = async function (method, bidirectional, req, ...rest) {
    const stream = await requestStream.call(this, method, bidirectional, req, ...rest);
    rpc(method);
    const reads = new StreamReads(method);
    let counted = 0;
    // The stream comes back explicitly paused, so a 'data' listener observes the messages as the
    // caller consumes them without starting the flow itself.
    stream.on('data', (message: unknown) => {
      reads.message(message);
      usage.reads += reads.reads - counted;
      counted = reads.reads;
    });
    stream.on('end', () => {
      reads.end();
      usage.reads += reads.reads - counted;
      counted = reads.reads;
    });
    return stream;
  };
}

function install(port: number): void {
  const usage: FirestoreUsage = { reads: 0, writes: 0, deletes: 0, rpcs: {} };
  // The copy the served functions load (the workspace's), not one next to this file.
  const load = createRequire(join(process.cwd(), 'functions', 'package.json'));
  const { Firestore } = load('@google-cloud/firestore') as { Firestore: { prototype: FirestoreFunnels } };
  meterFirestore(Firestore.prototype, usage);
  const profiler = new Session();
  const post = (method: string): Promise<unknown> =>
    new Promise((resolve, reject) =>
      profiler.post(method, (err, result) => (err ? reject(err) : resolve(result))),
    );
  const server = createServer((req, res) => {
    const reply = (body: unknown) =>
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/profile/start') {
      // A CPU profile of this process over a scenario (drive.ts BENCH_PROFILE).
      profiler.connect();
      void post('Profiler.enable')
        .then(() => post('Profiler.start'))
        .then(() => reply({ ok: true }));
      return;
    }
    if (req.url === '/profile/stop') {
      void post('Profiler.stop').then((result) => {
        profiler.disconnect();
        reply((result as { profile: unknown }).profile);
      });
      return;
    }
    const cpu = process.cpuUsage();
    const snapshot: MeterSnapshot = {
      cpuUs: cpu.user + cpu.system,
      firestore: { ...usage, rpcs: { ...usage.rpcs } },
    };
    reply(snapshot);
  });
  server.listen(port, '127.0.0.1');
  server.unref();
}

/**
 * The served code as it was before the response waited for the work a request starts (commit
 * e3b36e5): the same build, with that work left running after the response. For the miss path's
 * in-run comparison only (BENCH_WORK_AFTER_RESPONSE=1).
 */
function workAfterResponse(): void {
  const load = createRequire(join(process.cwd(), 'functions', 'lib', 'index.js'));
  const work = load('./observability/request-work') as { finishBeforeResponse: (work: unknown) => void };
  work.finishBeforeResponse = () => undefined;
}

const port = Number(process.env.BENCH_METER_PORT);
if (Number.isInteger(port) && port > 0) install(port);
if (process.env.BENCH_WORK_AFTER_RESPONSE === '1') workAfterResponse();
