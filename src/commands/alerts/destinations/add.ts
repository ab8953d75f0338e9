import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../../core/cli/base-command.js';
import {
  DESTINATION_KINDS,
  destinationView,
  insertDestination,
  parseDestination,
  type DestinationView,
} from '../../../core/base/notify/destinations.js';
import { removeFileSecrets, storeFileSecrets } from '../../../core/base/notify/secrets.js';

export default class AlertsDestinationsAdd extends OcoCommand<DestinationView> {
  static override summary = 'Add an alert destination: a Slack or Teams channel, an email list, or a signed webhook.';
  static override description =
    'Secrets never reach the database: give each by environment variable (--webhook-url-env, --smtp-password-env, ' +
    '--signing-secret-env: the daemon must see the variable too, e.g. in proxy.env), or by value (--webhook-url, ' +
    '--smtp-password), which oco keeps in alert-secrets.json in its private state directory (0600, this host only). ' +
    'Slack: an incoming webhook URL. Teams: the URL of a Workflows "post to a channel when a webhook request is ' +
    'received" flow. The first destination becomes the default.';
  static override examples = [
    '<%= config.bin %> alerts destinations add slack finops --webhook-url-env OCO_SLACK_FINOPS_URL',
    '<%= config.bin %> alerts destinations add teams platform --webhook-url-env OCO_TEAMS_PLATFORM_URL',
    '<%= config.bin %> alerts destinations add email finance --smtp-host smtp.example.com --smtp-user oco ' +
      '--smtp-password-env OCO_SMTP_PASSWORD --from oco@example.com --to finance@example.com',
    '<%= config.bin %> alerts destinations add webhook pager --webhook-url-env OCO_PAGER_URL ' +
      '--signing-secret-env OCO_PAGER_SECRET --json',
  ];
  static override args = {
    kind: Args.string({
      description: 'slack, teams, email or webhook',
      required: true,
      options: [...DESTINATION_KINDS],
    }),
    name: Args.string({ description: 'the destination name (lower-case letters, digits, - and _)', required: true }),
  };
  static override flags = {
    'webhook-url': Flags.string({ description: 'slack/teams/webhook: the URL, kept in the private secrets file' }),
    'webhook-url-env': Flags.string({ description: 'slack/teams/webhook: environment variable holding the URL' }),
    'signing-secret-env': Flags.string({
      description: 'webhook: environment variable holding the signing key (default: webhook.secret)',
    }),
    'smtp-host': Flags.string({ description: 'email: SMTP server host' }),
    'smtp-port': Flags.string({ description: 'email: SMTP port (default 587, or 465 with --smtp-security tls)' }),
    'smtp-security': Flags.string({
      description: 'email: starttls (required), tls (implicit TLS) or none (loopback tests only)',
      options: ['starttls', 'tls', 'none'],
    }),
    'smtp-user': Flags.string({ description: 'email: SMTP user (AUTH)' }),
    'smtp-password': Flags.string({ description: 'email: SMTP password, kept in the private secrets file' }),
    'smtp-password-env': Flags.string({ description: 'email: environment variable holding the SMTP password' }),
    from: Flags.string({ description: 'email: sender address' }),
    to: Flags.string({ description: 'email: recipient addresses, comma-separated' }),
  };

  async run(): Promise<DestinationView> {
    const { args, flags } = await this.parse(AlertsDestinationsAdd);
    const parsed = parseDestination({ kind: args.kind, name: args.name, ...flags });
    const config = this.loadConfig();
    const store = await this.store(config);
    const ctx = { env: config.env, stateDir: config.paths.stateDir };
    if (Object.keys(parsed.fileSecrets).length) storeFileSecrets(ctx, parsed.name, parsed.fileSecrets);
    let view: DestinationView;
    try {
      view = destinationView(await insertDestination(store, parsed));
    } catch (err) {
      // Nothing stored: the secrets written a moment ago go too (an existing destination's entry is its own).
      if (Object.keys(parsed.fileSecrets).length && (err as { code?: string }).code !== 'OCO_ALERT_DESTINATION_EXISTS')
        removeFileSecrets(ctx, parsed.name);
      throw err;
    }
    if (!this.jsonEnabled())
      this.log(`Added ${view.kind} destination ${view.name}${view.default ? ' (the default)' : ''}`);
    return view;
  }
}
