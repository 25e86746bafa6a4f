/**
 * npm run --silent token -- --email EMAIL [--admin]
 * Creates the user in the Auth emulator if needed, sets or clears the admin claim, and prints a
 * fresh ID token alone on stdout (other tools rely on exactly this).
 */
import { parseArgs } from 'node:util';
import { idTokenFor } from './lib/auth-emulator';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, admin: { type: 'boolean', default: false } },
  });
  if (!values.email || !/^[^@\s]+@[^@\s]+$/.test(values.email)) {
    throw new Error('usage: npm run --silent token -- --email EMAIL [--admin]');
  }
  process.stdout.write(`${await idTokenFor(values.email, { admin: values.admin })}\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
