/**
 * What an alert notification says on each channel (pure): the email of the Trigger Email extension's
 * `mail/{id}` document, and the Slack-compatible JSON POSTed to the webhook (`text` for any receiver,
 * `blocks` for Slack), plus the webhook's retry schedule.
 */
import type { AlertNotification, NotificationKind } from './alert-state';

const VERB: Record<NotificationKind, string> = {
  opened: 'opened',
  reminder: 'still open',
  escalated: 'escalated',
  resolved: 'resolved',
};

/** One line: `[CRITICAL] model-drift-elo nfl: escalated`. */
export function notificationTitle(n: AlertNotification): string {
  const level = n.kind === 'resolved' ? 'RESOLVED' : n.severity.toUpperCase();
  return `[${level}] ${n.ruleId} ${n.subject}: ${VERB[n.kind]}`;
}

function detailLines(n: AlertNotification): string[] {
  return Object.entries(n.details).map(([k, v]) => `${k}: ${v === null ? '-' : String(v)}`);
}

function footer(n: AlertNotification): string {
  return (
    `Alert ${n.alertId}, incident ${n.incident}, opened ${new Date(n.openedAt).toISOString()}. ` +
    `Acknowledge or silence it: POST /v1/admin/alerts/${n.alertId}:acknowledge (or :silence).`
  );
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The `message` of a mail/{id} document (Trigger Email extension). */
export function mailMessage(n: AlertNotification): { subject: string; text: string; html: string } {
  const title = notificationTitle(n);
  const details = detailLines(n);
  return {
    subject: `AI Sports Edge ${title}`,
    text: [title, '', n.summary, '', ...details, '', footer(n)].join('\n'),
    html:
      `<h2>${escapeHtml(title)}</h2><p>${escapeHtml(n.summary)}</p>` +
      `<ul>${details.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul>` +
      `<p><small>${escapeHtml(footer(n))}</small></p>`,
  };
}

export interface WebhookPayload {
  text: string;
  blocks: { type: 'section'; text: { type: 'mrkdwn'; text: string } }[];
}

/** Slack's mrkdwn needs &, < and > escaped. */
const escapeSlack = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The JSON POSTed to the webhook: Slack's incoming-webhook shape (`text` is the fallback). */
export function webhookPayload(n: AlertNotification): WebhookPayload {
  const title = notificationTitle(n);
  return {
    text: `${title}: ${n.summary}`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `*${escapeSlack(title)}*\n${escapeSlack(n.summary)}` },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: escapeSlack([...detailLines(n), footer(n)].join('\n')) },
      },
    ],
  };
}

export const WEBHOOK_RETRY_BASE_MS = 60_000;
export const WEBHOOK_RETRY_MAX_MS = 3_600_000;

/** Wait before the next attempt after `attempts` failed ones: 1, 2, 4 ... minutes, at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(WEBHOOK_RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1), WEBHOOK_RETRY_MAX_MS);
}
