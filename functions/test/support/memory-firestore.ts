/**
 * An in-memory stand-in for the slice of the Admin SDK's Firestore that ledger-style services use:
 * document references, transactions, single-field range queries with a limit, and batches.
 *
 * What it keeps faithful, because idempotency depends on it:
 *  - a transaction's writes apply together at commit or not at all (a throw or a failed commit
 *    leaves nothing behind);
 *  - reads come before writes, and a commit whose documents read were changed meanwhile by another
 *    commit is retried from the start (up to 5 attempts, like the SDK), so concurrent transactions
 *    over one document serialize;
 *  - `create` fails with ALREADY_EXISTS, `set` with `merge` merges maps field by field, and
 *    `FieldValue.increment` adds to a number (or starts from 0), `undefined` values are refused.
 * Anything else throws, so a test never passes on behaviour this does not model.
 */
import { FieldValue, Timestamp, type Firestore } from 'firebase-admin/firestore';

export type DocData = Record<string, unknown>;

/** gRPC status codes the SDK puts on its errors. */
const ABORTED = 10;
const ALREADY_EXISTS = 6;
const UNAVAILABLE = 14;

export class MemoryFirestoreError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

type Write =
  { kind: 'create' | 'set'; path: string; data: DocData; merge: boolean } | { kind: 'delete'; path: string };

/** A round trip: lets other callers' work interleave, as it would against the server. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function isPlainObject(v: unknown): v is DocData {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** Stored values are copied in and out; Timestamps are immutable and kept as they are. */
function copy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copy);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]));
  return v;
}

function applyFields(base: DocData, patch: DocData, merge: boolean, at: string): DocData {
  const out: DocData = merge ? (copy(base) as DocData) : {};
  for (const [field, value] of Object.entries(patch)) {
    const fieldPath = at ? `${at}.${field}` : field;
    if (value === undefined)
      throw new Error(`Cannot use "undefined" as a Firestore value (found in field "${fieldPath}")`);
    if (value instanceof FieldValue) {
      // The SDK's transforms carry their kind and operand at run time (not in its typings).
      const transform = value as unknown as { methodName?: string; operand?: unknown };
      if (transform.methodName === 'FieldValue.increment' && typeof transform.operand === 'number') {
        const current = out[field];
        out[field] = (typeof current === 'number' ? current : 0) + transform.operand;
      } else if (transform.methodName === 'FieldValue.delete' && merge) {
        delete out[field];
      } else {
        throw new Error(
          `MemoryFirestore does not model ${String(transform.methodName)} (field "${fieldPath}")`,
        );
      }
    } else if (isPlainObject(value)) {
      const current = out[field];
      out[field] = applyFields(merge && isPlainObject(current) ? current : {}, value, merge, fieldPath);
    } else {
      out[field] = copy(value);
    }
  }
  return out;
}

function comparable(v: unknown): number | string | undefined {
  if (v instanceof Timestamp) return v.toMillis();
  if (typeof v === 'number' || typeof v === 'string') return v;
  return undefined;
}

function checkDocPath(path: string): string {
  const segments = path.split('/');
  if (segments.length % 2 !== 0 || segments.some((s) => s === ''))
    throw new Error(`MemoryFirestore: "${path}" is not a document path`);
  return path;
}

export class MemoryDocRef {
  readonly id: string;
  constructor(
    private readonly store: MemoryFirestore,
    readonly path: string,
  ) {
    this.id = checkDocPath(path).split('/').pop()!;
  }
  async get(): Promise<MemorySnapshot> {
    await tick();
    return this.store.snapshot(this.path);
  }
  async create(data: DocData): Promise<void> {
    await this.store.commit([{ kind: 'create', path: this.path, data, merge: false }], new Map());
  }
  async set(data: DocData, opts?: { merge?: boolean }): Promise<void> {
    await this.store.commit([{ kind: 'set', path: this.path, data, merge: opts?.merge === true }], new Map());
  }
  async delete(): Promise<void> {
    await this.store.commit([{ kind: 'delete', path: this.path }], new Map());
  }
}

export class MemorySnapshot {
  constructor(
    readonly ref: MemoryDocRef,
    private readonly stored: DocData | undefined,
  ) {}
  get exists(): boolean {
    return this.stored !== undefined;
  }
  get id(): string {
    return this.ref.id;
  }
  data(): DocData | undefined {
    return this.stored === undefined ? undefined : (copy(this.stored) as DocData);
  }
}

type Op = '<' | '<=' | '==' | '>=' | '>';

class MemoryQuery {
  constructor(
    private readonly store: MemoryFirestore,
    private readonly collection: string,
    private readonly filters: { field: string; op: Op; value: unknown }[] = [],
    private readonly max?: number,
  ) {}

  where(field: string, op: Op, value: unknown): MemoryQuery {
    if (!['<', '<=', '==', '>=', '>'].includes(op)) throw new Error(`MemoryFirestore does not model "${op}"`);
    return new MemoryQuery(this.store, this.collection, [...this.filters, { field, op, value }], this.max);
  }

  limit(n: number): MemoryQuery {
    return new MemoryQuery(this.store, this.collection, this.filters, n);
  }

  async get(): Promise<{ empty: boolean; size: number; docs: MemorySnapshot[] }> {
    await tick();
    const range = this.filters.find((f) => f.op !== '==');
    const docs = this.store
      .snapshots(this.collection)
      .filter((snap) => this.filters.every((f) => matches(snap.data()?.[f.field], f.op, f.value)))
      // Firestore orders by the range field, then by document id.
      .sort((a, b) => {
        const x = range ? comparable(a.data()?.[range.field]) : undefined;
        const y = range ? comparable(b.data()?.[range.field]) : undefined;
        if (x !== undefined && y !== undefined && x !== y) return x < y ? -1 : 1;
        return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      })
      .slice(0, this.max);
    return { empty: docs.length === 0, size: docs.length, docs };
  }
}

function matches(actual: unknown, op: Op, expected: unknown): boolean {
  const a = comparable(actual);
  const b = comparable(expected);
  // Firestore compares values of one type only; a missing field matches no filter.
  if (a === undefined || b === undefined || typeof a !== typeof b) return false;
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '==':
      return a === b;
    case '>=':
      return a >= b;
    case '>':
      return a > b;
  }
}

class MemoryCollection extends MemoryQuery {
  constructor(
    private readonly db: MemoryFirestore,
    readonly id: string,
  ) {
    super(db, id);
  }
  doc(id: string): MemoryDocRef {
    return new MemoryDocRef(this.db, `${this.id}/${id}`);
  }
}

class MemoryTransaction {
  readonly writes: Write[] = [];
  /** Path → the document's version when this transaction read it. */
  readonly reads = new Map<string, number>();

  constructor(private readonly store: MemoryFirestore) {}

  async get(ref: MemoryDocRef): Promise<MemorySnapshot> {
    if (!(ref instanceof MemoryDocRef)) throw new Error('MemoryFirestore transactions read documents only');
    if (this.writes.length > 0)
      throw new Error('Firestore transactions require all reads to be executed before all writes.');
    await tick();
    this.reads.set(ref.path, this.store.version(ref.path));
    return this.store.snapshot(ref.path);
  }
  create(ref: MemoryDocRef, data: DocData): this {
    this.writes.push({ kind: 'create', path: ref.path, data, merge: false });
    return this;
  }
  set(ref: MemoryDocRef, data: DocData, opts?: { merge?: boolean }): this {
    this.writes.push({ kind: 'set', path: ref.path, data, merge: opts?.merge === true });
    return this;
  }
  delete(ref: MemoryDocRef): this {
    this.writes.push({ kind: 'delete', path: ref.path });
    return this;
  }
}

class MemoryBatch {
  private readonly writes: Write[] = [];
  constructor(private readonly store: MemoryFirestore) {}
  create(ref: MemoryDocRef, data: DocData): this {
    this.writes.push({ kind: 'create', path: ref.path, data, merge: false });
    return this;
  }
  set(ref: MemoryDocRef, data: DocData, opts?: { merge?: boolean }): this {
    this.writes.push({ kind: 'set', path: ref.path, data, merge: opts?.merge === true });
    return this;
  }
  delete(ref: MemoryDocRef): this {
    this.writes.push({ kind: 'delete', path: ref.path });
    return this;
  }
  async commit(): Promise<void> {
    await this.store.commit(this.writes, new Map());
  }
}

export class MemoryFirestore {
  private readonly docs = new Map<string, DocData>();
  /** Path → sequence number of the last commit that wrote it (kept after a delete). */
  private readonly versions = new Map<string, number>();
  private sequence = 0;
  private readonly failures: { count: number; path?: string }[] = [];
  /** Transaction attempts started (a retried transaction counts each attempt). */
  transactionAttempts = 0;

  /** The typed handle services take. Only the methods above exist; anything else throws. */
  asFirestore(): Firestore {
    return this as unknown as Firestore;
  }

  collection(id: string): MemoryCollection {
    if (id.split('/').length % 2 !== 1) throw new Error(`MemoryFirestore: "${id}" is not a collection path`);
    return new MemoryCollection(this, id);
  }

  doc(path: string): MemoryDocRef {
    return new MemoryDocRef(this, path);
  }

  batch(): MemoryBatch {
    return new MemoryBatch(this);
  }

  async runTransaction<T>(
    fn: (tx: MemoryTransaction) => Promise<T>,
    opts: { maxAttempts?: number } = {},
  ): Promise<T> {
    const maxAttempts = opts.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt += 1) {
      this.transactionAttempts += 1;
      const tx = new MemoryTransaction(this);
      const result = await fn(tx); // a throw rolls back: nothing was applied
      try {
        await this.commit(tx.writes, tx.reads);
        return result;
      } catch (err) {
        if (err instanceof MemoryFirestoreError && err.code === ABORTED && attempt < maxAttempts) continue;
        throw err;
      }
    }
  }

  /**
   * The next `count` commits (transactions, batches, single writes) fail as if Firestore were
   * unreachable; with `path`, only commits that write that document count.
   */
  failCommits(count = 1, path?: string): void {
    this.failures.push({ count, path });
  }

  /** Test helpers: a document's data (undefined when absent), seeding, and a collection's ids. */
  read(path: string): DocData | undefined {
    const data = this.docs.get(checkDocPath(path));
    return data === undefined ? undefined : (copy(data) as DocData);
  }
  seed(path: string, data: DocData): void {
    this.docs.set(checkDocPath(path), applyFields({}, data, false, ''));
    this.versions.set(path, ++this.sequence);
  }
  ids(collection: string): string[] {
    return this.snapshots(collection)
      .map((s) => s.id)
      .sort();
  }

  /** @internal */
  version(path: string): number {
    return this.versions.get(path) ?? 0;
  }
  /** @internal */
  snapshot(path: string): MemorySnapshot {
    return new MemorySnapshot(new MemoryDocRef(this, path), this.docs.get(path));
  }
  /** @internal */
  snapshots(collection: string): MemorySnapshot[] {
    const depth = collection.split('/').length + 1;
    return [...this.docs.keys()]
      .filter((p) => p.startsWith(`${collection}/`) && p.split('/').length === depth)
      .map((p) => this.snapshot(p));
  }

  /** @internal Validates, then applies every write or none. */
  async commit(writes: readonly Write[], reads: ReadonlyMap<string, number>): Promise<void> {
    await tick();
    const failure = this.failures.find(
      (f) => f.count > 0 && (f.path === undefined || writes.some((w) => w.path === f.path)),
    );
    if (failure) {
      failure.count -= 1;
      throw new MemoryFirestoreError(UNAVAILABLE, '14 UNAVAILABLE: commit failed (injected)');
    }
    for (const [path, seen] of reads) {
      if (this.version(path) !== seen)
        throw new MemoryFirestoreError(ABORTED, `10 ABORTED: ${path} changed since the transaction read it`);
    }
    const next = new Map<string, DocData | undefined>();
    const current = (path: string) => (next.has(path) ? next.get(path) : this.docs.get(path));
    for (const w of writes) {
      if (w.kind === 'delete') {
        next.set(w.path, undefined);
        continue;
      }
      const existing = current(w.path);
      if (w.kind === 'create' && existing !== undefined)
        throw new MemoryFirestoreError(
          ALREADY_EXISTS,
          `6 ALREADY_EXISTS: Document already exists: ${w.path}`,
        );
      next.set(w.path, applyFields(existing ?? {}, w.data, w.merge, ''));
    }
    const sequence = ++this.sequence;
    for (const [path, data] of next) {
      if (data === undefined) this.docs.delete(path);
      else this.docs.set(path, data);
      this.versions.set(path, sequence);
    }
  }
}
