import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { declaredParams } from 'firebase-functions/params';
import '../../src/config';

/**
 * firebase-tools prompts for every non-secret param without a dotenv value (and fails in
 * non-interactive deploys and emulator runs), so functions/.env must give each one a value.
 */
it('functions/.env gives a value to every non-secret param declared in config.ts', () => {
  const env = readFileSync(join(__dirname, '..', '..', '.env'), 'utf8');
  const defined = new Set(
    env
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=/.exec(line)?.[1])
      .filter((name): name is string => Boolean(name)),
  );
  const params = declaredParams.filter((p) => p.constructor.name !== 'SecretParam').map((p) => p.name);
  expect(params.length).toBeGreaterThan(0);
  expect(params.filter((name) => !defined.has(name))).toEqual([]);
});
