import {
  mailMessage,
  notificationTitle,
  retryDelayMs,
  webhookPayload,
} from '../../../src/domain/alert-messages';
import type { AlertNotification } from '../../../src/domain/alert-state';

const n: AlertNotification = {
  id: 'model-drift-elo_nfl-wp_1_opened_2017-10-15T12:00:00.000Z',
  kind: 'opened',
  alertId: 'model-drift-elo_nfl-wp',
  ruleId: 'model-drift-elo',
  subject: 'nfl-wp',
  severity: 'warning',
  summary: 'nfl-wp@v3: Brier 0.2300 vs Elo <alone> & co',
  details: { delta: 0.015, seasons: '2016-2017', latest: null },
  incident: 1,
  openedAt: Date.parse('2017-10-15T12:00:00Z'),
  at: Date.parse('2017-10-15T12:00:00Z'),
  runId: '2017-10-15T12:00:00.000Z',
};

it('titles say the severity, rule, subject and what happened', () => {
  expect(notificationTitle(n)).toBe('[WARNING] model-drift-elo nfl-wp: opened');
  expect(notificationTitle({ ...n, kind: 'escalated', severity: 'critical' })).toBe(
    '[CRITICAL] model-drift-elo nfl-wp: escalated',
  );
  expect(notificationTitle({ ...n, kind: 'resolved' })).toBe('[RESOLVED] model-drift-elo nfl-wp: resolved');
  expect(notificationTitle({ ...n, kind: 'reminder' })).toBe('[WARNING] model-drift-elo nfl-wp: still open');
});

it('the email has a subject, text and escaped HTML with the details', () => {
  const m = mailMessage(n);
  expect(m.subject).toBe('AI Sports Edge [WARNING] model-drift-elo nfl-wp: opened');
  expect(m.text).toContain('delta: 0.015');
  expect(m.text).toContain('latest: -');
  expect(m.text).toContain(':acknowledge');
  expect(m.html).toContain('Elo &lt;alone&gt; &amp; co');
  expect(m.html).not.toContain('<alone>');
});

it('the webhook payload is Slack-compatible: text, and mrkdwn blocks escaped', () => {
  const p = webhookPayload(n);
  expect(p.text).toBe(
    '[WARNING] model-drift-elo nfl-wp: opened: nfl-wp@v3: Brier 0.2300 vs Elo <alone> & co',
  );
  expect(p.blocks[0]?.text.text).toContain('Elo &lt;alone&gt; &amp; co');
  expect(JSON.parse(JSON.stringify(p))).toEqual(p);
});

it('retries back off exponentially from a minute to at most an hour', () => {
  expect([1, 2, 3, 4, 7, 8, 50].map((a) => retryDelayMs(a) / 60_000)).toEqual([1, 2, 4, 8, 60, 60, 60]);
});
