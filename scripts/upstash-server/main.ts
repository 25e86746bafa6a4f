/**
 * CLI: run the local Upstash Redis REST server.
 *
 *   npm run upstash-server -- --port 8079 [--host 127.0.0.1] [--redis-url redis://127.0.0.1:6379]
 *                             [--token local-dev-token] [--base-path /prefix]
 */
import { createUpstashServer } from './server';

interface CliOptions {
  port: number;
  host: string;
  redisUrl: string;
  token: string;
  basePath: string;
}

const USAGE = `Usage: upstash-server [options]

  --port <n>          port to listen on (default 8079; 0 = any free port)
  --host <addr>       interface to bind (default 127.0.0.1)
  --redis-url <url>   Redis to use (default $REDIS_URL or redis://127.0.0.1:6379)
  --token <token>     bearer token (default $UPSTASH_REDIS_REST_TOKEN or local-dev-token)
  --base-path <path>  serve under a path prefix, e.g. /redis (default none)
  --help              show this help`;

function parseArgs(argv: readonly string[]): CliOptions {
  const values = new Map<string, string>();
  const known = new Set(['port', 'host', 'redis-url', 'token', 'base-path']);
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
    values.set(key, value);
  }

  const portText = values.get('port') ?? '8079';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid --port: ${portText}`);
  }
  return {
    port,
    host: values.get('host') ?? '127.0.0.1',
    redisUrl: values.get('redis-url') ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    token: values.get('token') ?? process.env.UPSTASH_REDIS_REST_TOKEN ?? 'local-dev-token',
    basePath: values.get('base-path') ?? '',
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const server = await createUpstashServer({
    ...options,
    log: (msg) => console.log(`[upstash-server] ${msg}`),
  });
  console.log(`Upstash REST server listening on ${server.url}`);
  console.log(`  UPSTASH_REDIS_REST_URL=${server.url}`);
  console.log(`  Redis: ${options.redisUrl.replace(/\/\/[^@/]*@/, '//***@')}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`[upstash-server] ${signal} received, shutting down`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('[upstash-server] error while closing:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`[upstash-server] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
