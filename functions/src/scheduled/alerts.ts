import { onSchedule } from 'firebase-functions/scheduler';
import { alertConfig, alertWebhookUrl, SIZING } from '../config';
import { logger } from '../observability/logger';
import { firestore } from '../runtime';
import { runAlertEvaluation } from '../services/alerts';

/**
 * Every 5 minutes: judge the alert rules, open / remind / escalate / resolve `alerts/{id}`, create
 * their email and webhook notifications, and send due webhook deliveries (services/alerts.ts). The
 * schedule time is the run id and the run's clock, so a retried run changes nothing twice.
 */
export const evaluateAlerts = onSchedule(
  {
    ...SIZING.evaluateAlerts,
    schedule: 'every 5 minutes',
    timeZone: 'UTC',
    retryCount: 1,
    secrets: [alertWebhookUrl],
  },
  async (event) => {
    const runId = event.scheduleTime;
    const report = await runAlertEvaluation(firestore(), {
      runId,
      nowMs: Date.parse(runId),
      config: alertConfig(),
    });
    logger.info('alert evaluation', {
      runId,
      verdicts: report.verdicts,
      firing: report.firing.length,
      opened: report.opened,
      resolved: report.resolved,
      notified: report.notified.length,
      delivered: report.deliveries.delivered.length,
      deliveryFailures: report.deliveries.failed.length,
      unread: report.unread,
    });
  },
);
