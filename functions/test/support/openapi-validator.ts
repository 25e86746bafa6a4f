/**
 * @seriousme/openapi-schema-validator is ESM only, which jest's CommonJS runtime cannot load: it
 * runs in a child Node process, the document on stdin, the verdict on stdout.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = `
import { Validator } from '@seriousme/openapi-schema-validator';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const result = await new Validator().validate(JSON.parse(input));
process.stdout.write(JSON.stringify(result));
`;

export function validateOpenApi(document: unknown): { valid: boolean; errors?: unknown } {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    input: JSON.stringify(document),
    cwd: join(__dirname, '..', '..', '..'),
    encoding: 'utf8',
  });
  return JSON.parse(out) as { valid: boolean; errors?: unknown };
}
