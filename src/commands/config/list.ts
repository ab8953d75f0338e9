import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { OcoConfig } from '../../core/base/config/resolve.js';

type Row = ReturnType<OcoConfig['describe']>[number];

export default class ConfigList extends OcoCommand<Row[]> {
  static override summary = 'List every configuration key with its effective value and where it came from.';
  static override description = 'Precedence: flags > environment > config file > defaults. Secrets are masked.';
  static override examples = ['<%= config.bin %> config list', '<%= config.bin %> config list --json'];

  async run(): Promise<Row[]> {
    await this.parse(ConfigList);
    const rows = this.loadConfig().describe();
    if (!this.jsonEnabled()) {
      this.log(renderTable(rows, [{ key: 'key' }, { key: 'value' }, { key: 'source' }]));
    }
    return rows;
  }
}
