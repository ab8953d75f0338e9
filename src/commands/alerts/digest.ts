import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { UsageError } from '../../core/base/errors.js';
import { findDestination } from '../../core/base/notify/destinations.js';
import { emailText } from '../../core/base/notify/render.js';
import type { SendResult } from '../../core/base/notify/send.js';
import {
  clearDigestSchedule,
  digestNotice,
  getDigestSchedule,
  parseDigestSchedule,
  setDigestSchedule,
  type Digest,
  type DigestSchedule,
} from '../../core/gateway/alerts/digest.js';
import { runDigest, sendOptions } from '../../core/gateway/alerts/service.js';

type Result = { schedule: DigestSchedule | null } | (Digest & { sent: SendResult | null });

export default class AlertsDigest extends OcoCommand<Result> {
  static override summary = "Schedule the weekly spend digest, or send (or print) last week's digest now.";
  static override description =
    "The digest: last week's LLM spend (the seven whole UTC days before today) by team and by model, the top movers " +
    'against the week before, and the budgets at 80% or more of their limit. --every stores the schedule the daemon ' +
    'runs (once per week even with several daemons); --now sends it at once, --dry-run prints it without sending. ' +
    'Without flags, shows the schedule.';
  static override examples = [
    '<%= config.bin %> alerts digest --every monday',
    '<%= config.bin %> alerts digest --every monday --at 08:30 --timezone Europe/Paris --destination finops',
    '<%= config.bin %> alerts digest --now --dry-run',
    '<%= config.bin %> alerts digest --now --json',
    '<%= config.bin %> alerts digest --off',
  ];
  static override flags = {
    every: Flags.string({
      description: 'weekday the daemon sends the digest (monday … sunday)',
      exclusive: ['now', 'off'],
    }),
    at: Flags.string({ description: 'time of day, HH:MM (default 09:00)', dependsOn: ['every'] }),
    timezone: Flags.string({ description: 'IANA time zone of --at (default UTC)', dependsOn: ['every'] }),
    destination: Flags.string({ description: 'where it goes (default: the default destination)' }),
    now: Flags.boolean({ description: "send last week's digest now", exclusive: ['off'] }),
    'dry-run': Flags.boolean({ description: 'with --now: print the digest, send nothing', dependsOn: ['now'] }),
    off: Flags.boolean({ description: 'stop the scheduled digest' }),
  };

  async run(): Promise<Result> {
    const { flags } = await this.parse(AlertsDigest);
    const config = this.loadConfig();
    const store = await this.store(config);
    if (flags.now) {
      const r = await runDigest(store, sendOptions(config), {
        destination: flags.destination,
        dryRun: flags['dry-run'],
      });
      if (!this.jsonEnabled()) {
        const n = digestNotice(r.digest);
        if (!r.sent) this.log(`${n.title}\n\n${emailText(n).trimEnd()}`);
        else this.log(`Sent the digest to ${r.sent.kind} destination ${r.sent.destination} (${r.sent.target})`);
      }
      return { ...r.digest, sent: r.sent };
    }
    if (flags.off) {
      const removed = await clearDigestSchedule(store);
      if (!this.jsonEnabled()) this.log(removed ? 'The weekly digest is off' : 'No digest was scheduled');
      return { schedule: null };
    }
    if (flags.every) {
      const s = parseDigestSchedule({ every: flags.every, at: flags.at, timezone: flags.timezone });
      if (flags.destination) await findDestination(store, flags.destination);
      const schedule = await setDigestSchedule(store, { ...s, destination: flags.destination ?? null });
      if (!this.jsonEnabled())
        this.log(
          `The daemon sends the digest every ${schedule.every} at ${schedule.at} ${schedule.timezone} to ` +
            `${schedule.destination ?? 'the default destination'}`,
        );
      return { schedule };
    }
    if (flags.destination)
      throw new UsageError('--destination goes with --every or --now', { code: 'OCO_USAGE', hint: 'See --help.' });
    const schedule = await getDigestSchedule(store);
    if (!this.jsonEnabled())
      this.log(
        schedule
          ? `Every ${schedule.every} at ${schedule.at} ${schedule.timezone} to ` +
              `${schedule.destination ?? 'the default destination'}` +
              (schedule.lastSentFor ? ` (last sent for ${schedule.lastSentFor})` : '')
          : 'No digest scheduled. Schedule one with "oco alerts digest --every monday".',
      );
    return { schedule };
  }
}
