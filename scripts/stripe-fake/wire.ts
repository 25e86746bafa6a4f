/**
 * Stripe wire-protocol helpers for the fake: error bodies, ids, reading form-encoded parameters,
 * metadata merging, list pagination and `expand`.
 *
 * Stripe's v1 API takes `application/x-www-form-urlencoded` bodies in bracket notation and sends
 * every scalar as a string, so each reader here coerces and validates at the point of use, and
 * rejects a bad value with the same kind of 400 (`param` set) that Stripe answers with. That way
 * billing code that sends a wrong type fails against the fake as it would against Stripe.
 */
import { randomBytes } from 'node:crypto';

/** Parsed request parameters (`qs.parse` output): strings, arrays and nested objects. */
export type Params = Record<string, unknown>;

export type Metadata = Record<string, string>;

export interface StripeErrorBody {
  error: {
    type: string;
    message: string;
    code?: string;
    param?: string;
    doc_url?: string;
  };
}

/** An error answered in Stripe's JSON shape. Handlers throw it; the server turns it into a response. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }

  toBody(): StripeErrorBody {
    const error: StripeErrorBody['error'] = { type: this.type, message: this.message };
    if (this.code !== undefined) {
      error.code = this.code;
      error.doc_url = `https://docs.stripe.com/error-codes/${this.code.replace(/_/g, '-')}`;
    }
    if (this.param !== undefined) error.param = this.param;
    return { error };
  }
}

export function invalidRequest(message: string, param?: string, code?: string, status = 400): ApiError {
  return new ApiError(status, 'invalid_request_error', message, code, param);
}

export function missingParam(param: string): ApiError {
  return invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');
}

/** `No such customer: 'cus_x'`: 404 for the object in the URL, 400 for one referenced by a parameter. */
export function noSuch(kind: string, id: string, param: string, status = 404): ApiError {
  return invalidRequest(`No such ${kind}: '${id}'`, param, 'resource_missing', status);
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `prefix` + `length` random alphanumerics, like Stripe's ids (`cus_`, `sub_`, `evt_`, ...). */
export function randomId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const byte of bytes) out += ALPHANUMERIC[byte % ALPHANUMERIC.length] ?? 'x';
  return out;
}

/** Shows enough of a key to recognise it, as Stripe does: `sk_test_****...fake`. */
export function maskKey(key: string): string {
  if (key.length <= 12) return '*'.repeat(Math.max(key.length - 4, 0)) + key.slice(-4);
  return `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks `path` through nested params; arrays are indexed by position. */
export function dig(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[String(segment)];
  }
  return current;
}

/** The bracket-notation name of a nested param, for error messages: `line_items[0][price]`. */
export function paramName(path: readonly (string | number)[]): string {
  const [first, ...rest] = path;
  return `${String(first)}${rest.map((segment) => `[${String(segment)}]`).join('')}`;
}

type ParamPath = string | readonly (string | number)[];

function toPath(path: ParamPath): readonly (string | number)[] {
  return typeof path === 'string' ? [path] : path;
}

export function optString(params: Params, path: ParamPath): string | undefined {
  const value = dig(params, toPath(path));
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw invalidRequest(`Invalid string: ${JSON.stringify(value)}`, paramName(toPath(path)));
  }
  return value;
}

/** A required string; missing and empty both answer Stripe's `Missing required param`. */
export function reqString(params: Params, path: ParamPath): string {
  const value = optString(params, path);
  if (value === undefined || value === '') throw missingParam(paramName(toPath(path)));
  return value;
}

export function optInt(
  params: Params,
  path: ParamPath,
  bounds: { min?: number; max?: number } = {},
): number | undefined {
  const text = optString(params, path);
  if (text === undefined || text === '') return undefined;
  const name = paramName(toPath(path));
  if (!/^-?\d+$/.test(text)) throw invalidRequest(`Invalid integer: ${text}`, name);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw invalidRequest(`Invalid integer: ${text}`, name);
  if (bounds.min !== undefined && value < bounds.min) {
    throw invalidRequest(`This value must be greater than or equal to ${bounds.min}.`, name);
  }
  if (bounds.max !== undefined && value > bounds.max) {
    throw invalidRequest(`This value must be less than or equal to ${bounds.max}.`, name);
  }
  return value;
}

export function optBool(params: Params, path: ParamPath): boolean | undefined {
  const text = optString(params, path);
  if (text === undefined || text === '') return undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw invalidRequest(`Invalid boolean: ${text}`, paramName(toPath(path)));
}

/** `expand[]`, `types[]`: a list of strings (qs gives an array, or a string for a single `expand=x`). */
export function optStringList(params: Params, path: ParamPath): string[] | undefined {
  const value = dig(params, toPath(path));
  if (value === undefined || value === '') return undefined;
  const name = paramName(toPath(path));
  const list: unknown[] = Array.isArray(value) ? value : isRecord(value) ? Object.values(value) : [value];
  return list.map((item) => {
    if (typeof item !== 'string') throw invalidRequest(`Invalid array: ${JSON.stringify(value)}`, name);
    return item;
  });
}

/**
 * A metadata update: `undefined` (not sent), `null` (`metadata=`: clear every key) or key → value,
 * where an empty value deletes that key. Enforces Stripe's limits (50 keys, 40-char keys,
 * 500-char values) so oversized metadata fails here as it would in production.
 */
export function optMetadata(params: Params, path: ParamPath): Record<string, string> | null | undefined {
  const value = dig(params, toPath(path));
  const name = paramName(toPath(path));
  if (value === undefined) return undefined;
  if (value === '') return null;
  if (!isRecord(value)) throw invalidRequest('Invalid metadata: must be a hash of string values.', name);
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    const itemName = `${name}[${key}]`;
    if (typeof item !== 'string') throw invalidRequest(`Invalid string: ${JSON.stringify(item)}`, itemName);
    if (key.length > 40) {
      throw invalidRequest('Metadata keys can have a maximum length of 40 characters.', itemName);
    }
    if (item.length > 500) {
      throw invalidRequest('Metadata values can have a maximum length of 500 characters.', itemName);
    }
    out[key] = item;
  }
  return out;
}

/** Applies a metadata update the way Stripe does (merge; empty value deletes; `null` clears). */
export function mergeMetadata(
  current: Metadata,
  update: Record<string, string> | null | undefined,
): Metadata {
  if (update === undefined) return current;
  if (update === null) return {};
  const next: Metadata = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === '') delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > 50) {
    throw invalidRequest('Metadata can have a maximum of 50 keys.', 'metadata');
  }
  return next;
}

/** Stable JSON (sorted keys) so two requests with the same params compare equal for idempotency. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export interface ListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/**
 * A page of `items` (already newest first) honouring `limit` (default 10, 1..100),
 * `starting_after` and `ending_before`, like Stripe's cursor pagination.
 */
export function paginate<T extends { id: string }>(
  items: readonly T[],
  params: Params,
  url: string,
): ListObject<T> {
  const limit = optInt(params, 'limit', { min: 1, max: 100 }) ?? 10;
  const startingAfter = optString(params, 'starting_after');
  const endingBefore = optString(params, 'ending_before');
  const indexOf = (id: string, param: string): number => {
    const index = items.findIndex((item) => item.id === id);
    if (index < 0) throw noSuch('object', id, param, 400);
    return index;
  };
  if (startingAfter !== undefined && startingAfter !== '') {
    const rest = items.slice(indexOf(startingAfter, 'starting_after') + 1);
    return { object: 'list', data: rest.slice(0, limit), has_more: rest.length > limit, url };
  }
  if (endingBefore !== undefined && endingBefore !== '') {
    const before = items.slice(0, indexOf(endingBefore, 'ending_before'));
    return {
      object: 'list',
      data: before.slice(Math.max(before.length - limit, 0)),
      has_more: before.length > limit,
      url,
    };
  }
  return { object: 'list', data: items.slice(0, limit), has_more: items.length > limit, url };
}

/**
 * Applies `expand[]` paths (`latest_invoice`, `data.customer`, `items.data.price`, ...) in place:
 * every string id met at the end of a path is replaced by `resolve(id)` when that knows it.
 * Paths that lead nowhere are ignored (Stripe would reject some of them).
 */
export function applyExpand(body: unknown, paths: readonly string[], resolve: (id: string) => unknown): void {
  const walk = (node: unknown, segments: readonly string[]): void => {
    const [head, ...rest] = segments;
    if (head === undefined || !isRecord(node)) return;
    const child = node[head];
    if (rest.length === 0) {
      if (typeof child === 'string') {
        const resolved = resolve(child);
        if (resolved !== undefined) node[head] = resolved;
      }
      return;
    }
    if (Array.isArray(child)) {
      const [next, ...tail] = rest;
      // `data.x` on a list walks every element, so `data` is followed by the element's path.
      for (const element of child) walk(element, next === undefined ? [] : [next, ...tail]);
      return;
    }
    walk(child, rest);
  };
  for (const path of paths) {
    const segments = path.split('.');
    if (isRecord(body) && body.object === 'list' && segments[0] === 'data' && Array.isArray(body.data)) {
      for (const element of body.data) walk(element, segments.slice(1));
    } else {
      walk(body, segments);
    }
  }
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** `$15.00` for 1500 USD cents. */
export function formatAmount(cents: number, currency: string): string {
  const amount = (cents / 100).toFixed(2);
  return currency.toLowerCase() === 'usd' ? `$${amount}` : `${amount} ${currency.toUpperCase()}`;
}
