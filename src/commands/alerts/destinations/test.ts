import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../../core/cli/base-command.js';
import { findDestination } from '../../../core/base/notify/destinations.js';
import { sendNotice, type SendResult } from '../../../core/base/notify/send.js';
import { resolveBudget } from '../../../core/cli/spend.js';
import { budgetNotice } from '../../../core/gateway/alerts/budget-notice.js';
import { sendOptions, testNotice } from '../../../core/gateway/alerts/service.js';

export default class AlertsDestinationsTest extends OcoCommand<SendResult> {
  static override summary = 'Send a test message to a destination, to check the URL, the SMTP settings and the format.';
  static override description =
    "With --budget, the test message is that budget's alert as people will see it (spent, limit, percent, reset, " +
    "top spenders). A refusal names its reason (e.g. Slack's channel_is_archived); 429 and 5xx are retried a " +
    'few times.';
  static override examples = [
    '<%= config.bin %> alerts destinations test finops',
    '<%= config.bin %> alerts destinations test finops --budget bud_0123456789abcdef --json',
  ];
  static override args = { name: Args.string({ description: 'destination name', required: true }) };
  static override flags = { budget: Flags.string({ description: "send this budget's alert as the test message" }) };

  async run(): Promise<SendResult> {
    const { args, flags } = await this.parse(AlertsDestinationsTest);
    const config = this.loadConfig();
    const store = await this.store(config);
    const d = await findDestination(store, args.name);
    const now = new Date();
    const notice = flags.budget
      ? await budgetNotice(store, await resolveBudget(store, {}, flags.budget), {
          kind: 'test',
          thresholdPct: null,
          payload: { type: 'test', budget_id: flags.budget, created_at: now.toISOString() },
        })
      : testNotice(d, now);
    const r = await sendNotice(d, notice, sendOptions(config));
    if (!this.jsonEnabled()) this.log(`Sent a test message to ${r.kind} destination ${r.destination} (${r.target})`);
    return r;
  }
}
