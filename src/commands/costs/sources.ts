import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { ExitCode } from '../../core/base/errors.js';
import { describeSources, type SourceStatus } from '../../core/cloud-costs/sources.js';

export default class CostsSources extends OcoCommand<{ sources: SourceStatus[] }> {
  static override summary =
    'List cost sources: which providers are configured, whether their credentials work, what is stored.';
  static override description =
    'Checks each configured credential by signing in (AWS: resolving the credential chain; ' +
    "Azure: a token for Resource Manager; GCP: a token from the key's token_uri). It never " +
    'queries costs, so it costs nothing. Exit 1 when a configured credential fails.';
  static override examples = [
    '<%= config.bin %> costs sources',
    '<%= config.bin %> costs sources --no-check',
    '<%= config.bin %> costs sources --json',
  ];
  static override flags = {
    check: Flags.boolean({ description: 'check credentials (sign in)', default: true, allowNo: true }),
  };

  async run(): Promise<{ sources: SourceStatus[] }> {
    const { flags } = await this.parse(CostsSources);
    const config = this.loadConfig();
    const store = await this.store(config);
    const sources = await describeSources(store, config, { check: flags.check });
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          sources.map((s) => ({
            source: s.provider,
            kind: s.kind,
            configured: s.kind === 'file' ? 'file import' : s.configured ? `yes (${s.via})` : `no: set ${s.missing}`,
            credentials: s.check ? (s.check.ok ? `ok: ${s.check.identity}` : `FAILED: ${s.check.error!.message}`) : '-',
            rows: s.rows,
            'last run': s.lastRun ? `${s.lastRun.status} ${s.lastRun.startedAt}` : '-',
          })),
        ),
      );
      for (const s of sources)
        if (s.check && !s.check.ok && s.check.error!.hint) this.log(`${s.provider}: ${s.check.error!.hint}`);
    }
    if (sources.some((s) => s.check && !s.check.ok)) this.failAfterOutput(ExitCode.failure);
    return { sources };
  }
}
