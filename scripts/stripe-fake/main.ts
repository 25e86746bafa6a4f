/**
 * CLI: run the local Stripe fake until Ctrl-C.
 *
 *   tsx scripts/stripe-fake/main.ts [--port 12111] [--host 127.0.0.1] [--api-key sk_test_local_fake]
 *                                   [--webhook URL]... [--webhook-secret whsec_local_fake]
 *
 * Prices are the DEFAULT_PRICES of constants.ts; every --webhook URL is signed with the one
 * --webhook-secret. More endpoints and all test knobs are on the control API (README.md).
 */
import {
  DEFAULT_PRICES,
  STRIPE_API_VERSION,
  STRIPE_FAKE_API_KEY,
  STRIPE_FAKE_PORT,
  STRIPE_FAKE_WEBHOOK_SECRET,
} from './constants';
import { createStripeFake } from './server';

interface CliOptions {
  port: number;
  host: string;
  apiKey: string;
  webhooks: string[];
  webhookSecret: string;
}

const USAGE = `Usage: tsx scripts/stripe-fake/main.ts [options]

  --port <n>              port to listen on (default ${STRIPE_FAKE_PORT}; 0 = any free port)
  --host <addr>           interface to bind (default 127.0.0.1)
  --api-key <key>         secret key clients must send (default ${STRIPE_FAKE_API_KEY})
  --webhook <url>         deliver events to this endpoint (repeatable)
  --webhook-secret <s>    signing secret for the --webhook endpoints (default ${STRIPE_FAKE_WEBHOOK_SECRET})
  --help                  show this help`;

function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = {
    port: STRIPE_FAKE_PORT,
    host: '127.0.0.1',
    apiKey: STRIPE_FAKE_API_KEY,
    webhooks: [],
    webhookSecret: STRIPE_FAKE_WEBHOOK_SECRET,
  };
  const known = new Set(['port', 'host', 'api-key', 'webhook', 'webhook-secret']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const key = match?.[1];
    if (match === null || key === undefined || !known.has(key)) {
      throw new Error(`unknown argument: ${arg}\n\n${USAGE}`);
    }
    let value = match[2];
    if (value === undefined) {
      value = argv[i + 1];
      i++;
      if (value === undefined) throw new Error(`missing value for --${key}`);
    }
    if (key === 'port') {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port: ${value}`);
      options.port = port;
    } else if (key === 'host') options.host = value;
    else if (key === 'api-key') options.apiKey = value;
    else if (key === 'webhook') options.webhooks.push(value);
    else options.webhookSecret = value;
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const fake = await createStripeFake({
    port: options.port,
    host: options.host,
    apiKey: options.apiKey,
    apiVersion: STRIPE_API_VERSION,
    prices: DEFAULT_PRICES,
    webhooks: options.webhooks.map((url) => ({ url, secret: options.webhookSecret })),
    log: (msg) => console.log(`[stripe-fake] ${msg}`),
  });
  const webhookHint =
    options.webhooks.length === 0
      ? `none yet; register the app's stripeWebhook (Functions emulator) with
  curl -X POST ${fake.url}/_fake/webhooks -H 'content-type: application/json' \\
    -d '{"url":"http://127.0.0.1:5001/<project>/us-central1/stripeWebhook","secret":"${options.webhookSecret}"}'`
      : `${options.webhooks.join(', ')} (signed with ${options.webhookSecret})`;
  const cliFlags = fake.url === `http://127.0.0.1:${STRIPE_FAKE_PORT}` ? '' : ` --fake-url ${fake.url}`;
  console.log(`Stripe fake listening on ${fake.url} (API version ${STRIPE_API_VERSION})

The functions' billing config (functions/.env.local and .secret.local; npm start writes them):
  STRIPE_API_URL=${fake.url}
  STRIPE_SECRET_KEY=${options.apiKey}
  STRIPE_WEBHOOK_SECRET=${options.webhookSecret}
  STRIPE_PRICES=${DEFAULT_PRICES.map((price) => `${price.id}:${price.tier}`).join(',')}

Webhooks: ${webhookHint}
Play the customer: tsx scripts/stripe-fake/cli.ts pay|cancel|fail-payment|recover --email <email>${cliFlags}
State:             curl ${fake.url}/_fake/state`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`[stripe-fake] ${signal} received, shutting down`);
    fake.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('[stripe-fake] error while closing:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`[stripe-fake] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
