/**
 * CLI: run the local alert webhook receiver until stopped (npm start and npm test start it through
 * scripts/lib/stack.ts; the functions get its URL as ALERT_WEBHOOK_URL in functions/.secret.local).
 *
 *   tsx scripts/alert-receiver/main.ts [--port 8078]
 */
import { ALERT_RECEIVER_PORT, startAlertReceiver } from './server';

const i = process.argv.indexOf('--port');
const port = i >= 0 ? Number(process.argv[i + 1]) : ALERT_RECEIVER_PORT;
// Its own output goes to stderr: the stack hands children stderr only.
void startAlertReceiver({ port, log: (line) => process.stderr.write(`${line}\n`) }).then((r) =>
  process.stderr.write(`alert receiver on ${r.url}\n`),
);
