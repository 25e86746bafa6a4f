/**
 * The contract check `npm test` runs after the integration suite: every API answer the suite
 * recorded (functions/test/integration/contract-recorder.ts) must be documented in the OpenAPI
 * document (its method, path and status) and match the documented schema (Ajv, JSON Schema
 * 2020-12: the OpenAPI 3.1 dialect); and every documented (method, path, status) must have been
 * seen at least once. Unknown paths must be JSON 404s, other methods on known paths JSON 405s with
 * `Allow`. `default` responses (5xx) are validated when seen but need no test.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** One API answer the integration suite received (written by functions/test/integration/contract-recorder.ts). */
export interface Recorded {
  method: string;
  /** The path the API saw, below /api: `/v1/games`, `/stripe/webhook`. */
  path: string;
  status: number;
  contentType: string | null;
  body: string | null;
  headers: Record<string, string>;
  file: string;
}

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  $ref?: string;
  content?: Record<string, MediaType>;
}
interface OperationObject {
  responses: Record<string, ResponseObject>;
}
export interface OpenApiDoc {
  paths: Record<string, Record<string, unknown>>;
  components: { responses?: Record<string, ResponseObject>; schemas?: Record<string, unknown> };
}

export interface ContractReport {
  checked: number;
  /** Answers that do not match the document (or are not in it). */
  problems: string[];
  /** Documented (method path status) the suite never saw. */
  uncovered: string[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Refs of the document resolve against one schema that holds its components. */
const rewriteRefs = (schema: unknown): unknown =>
  JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"components.json#/components/')) as unknown;

function templateRegex(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

export function checkContract(doc: OpenApiDoc, records: readonly Recorded[]): ContractReport {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(rewriteRefs({ $id: 'components.json', components: doc.components }) as object);
  const compiled = new Map<string, ValidateFunction>();
  const validator = (key: string, schema: unknown) => {
    let v = compiled.get(key);
    if (!v) {
      v = ajv.compile(rewriteRefs(schema) as object);
      compiled.set(key, v);
    }
    return v;
  };
  const errorSchema = doc.components.schemas?.Error;
  const paths = Object.keys(doc.paths).map((template) => ({ template, regex: templateRegex(template) }));
  const documented = new Set<string>();
  for (const { template } of paths) {
    for (const method of METHODS) {
      const op = doc.paths[template]?.[method] as OperationObject | undefined;
      if (!op) continue;
      for (const status of Object.keys(op.responses))
        if (status !== 'default') documented.add(`${method.toUpperCase()} ${template} ${status}`);
    }
  }
  const seen = new Set<string>();
  const problems: string[] = [];
  const resolve = (r: ResponseObject): ResponseObject =>
    r.$ref ? (doc.components.responses?.[r.$ref.split('/').pop() as string] ?? {}) : r;

  const checkBody = (
    rec: Recorded,
    key: string,
    media: Record<string, MediaType> | undefined,
    where: string,
  ) => {
    const type = (rec.contentType ?? '').split(';')[0]?.trim() ?? '';
    if (!media || Object.keys(media).length === 0) return;
    const entry = media[type];
    if (!entry) {
      problems.push(
        `${where}: answered ${type || 'no content type'}, documented ${Object.keys(media).join(', ')}`,
      );
      return;
    }
    if (type !== 'application/json' || entry.schema === undefined || rec.body === null) return;
    let body: unknown;
    try {
      body = JSON.parse(rec.body);
    } catch {
      problems.push(`${where}: the body is not JSON`);
      return;
    }
    const validate = validator(`${key} ${type}`, entry.schema);
    if (!validate(body))
      problems.push(`${where}: ${ajv.errorsText(validate.errors, { separator: '; ' }).slice(0, 400)}`);
  };

  for (const rec of records) {
    if (rec.method === 'OPTIONS' || rec.method === 'HEAD') continue;
    const path = rec.path.split('?')[0] as string;
    const where = `${rec.method} ${path} ${rec.status} (${rec.file})`;
    const match = paths.find((p) => p.regex.test(path));
    if (!match) {
      if (rec.status !== 404) problems.push(`${where}: an unknown path must answer 404`);
      else checkBody(rec, 'unknown', { 'application/json': { schema: errorSchema } }, where);
      continue;
    }
    const op = doc.paths[match.template]?.[rec.method.toLowerCase()] as OperationObject | undefined;
    if (!op) {
      if (rec.status !== 405 || !rec.headers.allow)
        problems.push(`${where}: another method must answer 405 with Allow`);
      else checkBody(rec, 'method', { 'application/json': { schema: errorSchema } }, where);
      continue;
    }
    const status = String(rec.status);
    const response = op.responses[status] ?? (rec.status >= 500 ? op.responses.default : undefined);
    if (!response) {
      problems.push(`${where}: status not documented`);
      continue;
    }
    if (op.responses[status]) seen.add(`${rec.method} ${match.template} ${status}`);
    checkBody(rec, `${rec.method} ${match.template} ${status}`, resolve(response).content, where);
  }
  return {
    checked: records.length,
    problems: [...new Set(problems)],
    uncovered: [...documented].filter((d) => !seen.has(d)).sort(),
  };
}
