/**
 * A Stripe-CLI-like command for a running Stripe fake: play the customer's part of billing
 * (pay, cancel, a failed renewal, recovery) so the app's webhook handling can be watched locally.
 *
 *   tsx scripts/stripe-fake/cli.ts pay --email you@example.com [--price price_elite_monthly]
 *   tsx scripts/stripe-fake/cli.ts cancel|fail-payment|recover --email you@example.com
 *
 * It finds the customer through the real SDK (`customers.list({ email })`), as the app's own code
 * would, and drives state changes through the fake's control API, whose answers list the events
 * emitted (which the fake then delivers to the registered webhook endpoints).
 * `runStripeCli` is exported so tests can run it in-process.
 */
import Stripe from 'stripe';
import { DEFAULT_PRICES, STRIPE_API_VERSION, STRIPE_FAKE_API_KEY, STRIPE_FAKE_PORT } from './constants';

export const DEFAULT_FAKE_URL = `http://127.0.0.1:${STRIPE_FAKE_PORT}`;

export interface StripeCliOptions {
  /** Default for `--fake-url`. */
  fakeUrl: string;
  /** Default for `--api-key`. */
  apiKey: string;
  /** Receives each output line. */
  print: (line: string) => void;
  /** Receives error lines; defaults to `print`. */
  printError?: (line: string) => void;
}

export const CLI_USAGE = `Usage: tsx scripts/stripe-fake/cli.ts <command> --email <email> [options]

Commands (against a running fake, see scripts/stripe-fake/README.md):
  pay            complete the customer's open checkout session, or else create an
                 active subscription to --price
  cancel         cancel the customer's subscriptions now
  fail-payment   move the customer's active subscription to past_due (failed renewal)
  recover        move the customer's past_due subscription back to active (paid)

Options:
  --email <email>     the customer, found with customers.list({ email })
  --price <id>        price for pay without an open session (default ${DEFAULT_PRICES[0]?.id ?? 'none'})
  --fake-url <url>    the running fake (default ${DEFAULT_FAKE_URL})
  --api-key <key>     its API key (default ${STRIPE_FAKE_API_KEY})
  --help              show this help`;

const COMMANDS = ['pay', 'cancel', 'fail-payment', 'recover'] as const;
type Command = (typeof COMMANDS)[number];

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

interface ParsedArgs {
  command: Command;
  email: string;
  price: string | undefined;
  fakeUrl: string;
  apiKey: string;
}

function parseArgs(argv: readonly string[], defaults: StripeCliOptions): ParsedArgs | 'help' {
  const values = new Map<string, string>();
  const positional: string[] = [];
  const known = new Set(['email', 'price', 'fake-url', 'api-key']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h' || arg === 'help') return 'help';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const key = match?.[1];
    if (match === null || key === undefined || !known.has(key))
      throw new CliError(`unknown option: ${arg}`, 2);
    let value = match[2];
    if (value === undefined) {
      value = argv[i + 1];
      i++;
      if (value === undefined) throw new CliError(`missing value for --${key}`, 2);
    }
    values.set(key, value);
  }
  const [name, ...extra] = positional;
  if (name === undefined) throw new CliError(`missing command (one of: ${COMMANDS.join(', ')})`, 2);
  const command = COMMANDS.find((candidate) => candidate === name);
  if (command === undefined)
    throw new CliError(`unknown command: ${name} (one of: ${COMMANDS.join(', ')})`, 2);
  if (extra.length > 0) throw new CliError(`unexpected argument: ${extra.join(' ')}`, 2);
  const email = values.get('email');
  if (email === undefined || email === '') throw new CliError(`${command} needs --email <email>`, 2);
  return {
    command,
    email,
    price: values.get('price'),
    fakeUrl: (values.get('fake-url') ?? defaults.fakeUrl).replace(/\/+$/, ''),
    apiKey: values.get('api-key') ?? defaults.apiKey,
  };
}

/** The control API's answers (only the fields printed here). */
interface ControlResult {
  session?: Stripe.Checkout.Session;
  subscription: Stripe.Subscription;
  events: string[];
}

async function control(fakeUrl: string, path: string, body: Record<string, unknown>): Promise<ControlResult> {
  const response = await fetch(`${fakeUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { error?: { message?: string } } & Partial<ControlResult>;
  if (!response.ok || json.subscription === undefined) {
    throw new CliError(`the fake refused ${path}: ${json.error?.message ?? `HTTP ${response.status}`}`);
  }
  return { session: json.session, subscription: json.subscription, events: json.events ?? [] };
}

function describeSubscription(subscription: Stripe.Subscription): string {
  const item = subscription.items.data[0];
  const price = item === undefined ? '' : ` ${item.price.id}`;
  const end =
    item === undefined
      ? ''
      : `, period ends ${new Date(item.current_period_end * 1000).toISOString().slice(0, 10)}`;
  return `subscription ${subscription.id}: ${subscription.status}${price}${end}`;
}

async function printResult(
  stripe: Stripe,
  result: ControlResult,
  print: (line: string) => void,
): Promise<void> {
  print(describeSubscription(result.subscription));
  if (result.events.length === 0) {
    print('events: none');
    return;
  }
  print(`events (${result.events.length}), sent to every registered webhook endpoint:`);
  for (const id of result.events) {
    const event = await stripe.events.retrieve(id);
    print(`  ${event.id} ${event.type}`);
  }
}

async function run(args: ParsedArgs, print: (line: string) => void): Promise<void> {
  const base = new URL(args.fakeUrl);
  const stripe = new Stripe(args.apiKey, {
    host: base.hostname,
    port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
    protocol: base.protocol === 'https:' ? 'https' : 'http',
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 0,
    telemetry: false,
  });

  const customers = await stripe.customers.list({ email: args.email, limit: 1 });
  const customer = customers.data[0];
  if (customer === undefined) {
    throw new CliError(
      `No Stripe customer with email ${args.email}: start a checkout first (POST /v1/billing/checkout) so the app creates one.`,
    );
  }
  print(`customer ${customer.id} (${args.email})`);
  const subscriptions = async (): Promise<Stripe.Subscription[]> =>
    (await stripe.subscriptions.list({ customer: customer.id, limit: 100 })).data;

  switch (args.command) {
    case 'pay': {
      const open = await stripe.checkout.sessions.list({ customer: customer.id, status: 'open', limit: 1 });
      const session = open.data[0];
      if (session !== undefined) {
        const result = await control(
          args.fakeUrl,
          `/_fake/checkout/${encodeURIComponent(session.id)}/complete`,
          {},
        );
        print(`completed checkout session ${session.id}`);
        await printResult(stripe, result, print);
        return;
      }
      const price = args.price ?? DEFAULT_PRICES[0]?.id;
      if (price === undefined) throw new CliError('no --price given and the fake has no default price', 2);
      const result = await control(args.fakeUrl, '/_fake/subscriptions', { customer: customer.id, price });
      print(`no open checkout session: created a subscription to ${price}`);
      await printResult(stripe, result, print);
      return;
    }
    case 'cancel': {
      const live = await subscriptions();
      if (live.length === 0) throw new CliError(`${args.email} has no subscription to cancel.`);
      for (const subscription of live) {
        const path = `/_fake/subscriptions/${encodeURIComponent(subscription.id)}/status`;
        await printResult(stripe, await control(args.fakeUrl, path, { status: 'canceled' }), print);
      }
      return;
    }
    case 'fail-payment':
    case 'recover': {
      const from = args.command === 'recover' ? ['past_due', 'unpaid'] : ['active', 'trialing'];
      const target = (await subscriptions()).find((subscription) => from.includes(subscription.status));
      if (target === undefined) {
        throw new CliError(
          `${args.email} has no ${from.join(' or ')} subscription to ${args.command === 'recover' ? 'recover' : 'fail'}.`,
        );
      }
      const status = args.command === 'recover' ? 'active' : 'past_due';
      const path = `/_fake/subscriptions/${encodeURIComponent(target.id)}/status`;
      await printResult(stripe, await control(args.fakeUrl, path, { status }), print);
      return;
    }
  }
}

/** Runs one CLI invocation; resolves with the exit code (0 ok, 1 failed, 2 usage error). */
export async function runStripeCli(argv: readonly string[], options: StripeCliOptions): Promise<number> {
  const printError = options.printError ?? options.print;
  let args: ParsedArgs | 'help';
  try {
    args = parseArgs(argv, options);
  } catch (err) {
    printError(`stripe-fake: ${err instanceof Error ? err.message : String(err)}`);
    printError(CLI_USAGE);
    return err instanceof CliError ? err.exitCode : 2;
  }
  if (args === 'help') {
    options.print(CLI_USAGE);
    return 0;
  }
  try {
    await run(args, options.print);
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      printError(err.message);
      return err.exitCode;
    }
    if (
      err instanceof Stripe.errors.StripeConnectionError ||
      (err instanceof TypeError && err.message === 'fetch failed')
    ) {
      printError(
        `Cannot reach the Stripe fake at ${args.fakeUrl}; start it with: tsx scripts/stripe-fake/main.ts`,
      );
      return 1;
    }
    if (err instanceof Stripe.errors.StripeError) {
      printError(`Stripe error (${err.type}): ${err.message}`);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) {
  runStripeCli(process.argv.slice(2), {
    fakeUrl: DEFAULT_FAKE_URL,
    apiKey: STRIPE_FAKE_API_KEY,
    print: (line) => console.log(line),
    printError: (line) => console.error(line),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
