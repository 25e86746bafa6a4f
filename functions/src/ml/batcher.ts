/**
 * Micro-batching: requests that arrive within `windowMs` of the first pending one (or until
 * `maxBatch` are pending) run as one call of `run`, which is where a model amortises its per-call
 * overhead. `windowMs: 0` still coalesces everything queued in the same turn of the event loop
 * (setImmediate), which is what concurrent requests in one instance look like; `enabled: false`
 * runs each request alone (for comparison in the benchmark).
 */

export interface BatcherOptions<I, O> {
  run: (inputs: I[]) => Promise<O[]> | O[];
  windowMs: number;
  maxBatch: number;
  enabled?: boolean;
}

interface Pending<I, O> {
  input: I;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

export interface BatcherStats {
  calls: number;
  items: number;
  largestBatch: number;
}

export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private readonly stat: BatcherStats = { calls: 0, items: 0, largestBatch: 0 };

  constructor(private readonly opts: BatcherOptions<I, O>) {
    if (opts.maxBatch < 1) throw new Error('maxBatch must be at least 1');
  }

  submit(input: I): Promise<O> {
    if (this.opts.enabled === false) {
      return this.execute([input]).then((out) => out[0] as O);
    }
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (this.queue.length >= this.opts.maxBatch) this.flush();
      else if (!this.timer) {
        this.timer =
          this.opts.windowMs > 0
            ? setTimeout(() => this.flush(), this.opts.windowMs)
            : setImmediate(() => this.flush());
      }
    });
  }

  /** Many inputs at once (a batch request): one call per maxBatch slice, no waiting window. */
  async submitMany(inputs: I[]): Promise<O[]> {
    const out: O[] = [];
    for (let i = 0; i < inputs.length; i += this.opts.maxBatch) {
      out.push(...(await this.execute(inputs.slice(i, i + this.opts.maxBatch))));
    }
    return out;
  }

  stats(): BatcherStats {
    return { ...this.stat };
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    const batch = this.queue.splice(0, this.opts.maxBatch);
    if (this.queue.length > 0) this.timer = setImmediate(() => this.flush());
    if (batch.length === 0) return;
    this.execute(batch.map((p) => p.input)).then(
      (outputs) => batch.forEach((p, i) => p.resolve(outputs[i] as O)),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  }

  private async execute(inputs: I[]): Promise<O[]> {
    this.stat.calls += 1;
    this.stat.items += inputs.length;
    this.stat.largestBatch = Math.max(this.stat.largestBatch, inputs.length);
    const outputs = await this.opts.run(inputs);
    if (outputs.length !== inputs.length) {
      throw new Error(`batch run returned ${outputs.length} results for ${inputs.length} inputs`);
    }
    return outputs;
  }
}
