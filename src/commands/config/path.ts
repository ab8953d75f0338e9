import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { resolvePaths, type OcoPaths } from '../../core/base/config/paths.js';

export default class ConfigPath extends OcoCommand<OcoPaths> {
  static override summary = 'Print where oco keeps its config file, data, state and logs.';
  static override description =
    'OCO_HOME puts everything under one directory; without it oco follows the XDG base directories.';
  static override examples = [
    '<%= config.bin %> config path',
    'OCO_HOME=/tmp/oco <%= config.bin %> config path --json',
  ];

  async run(): Promise<OcoPaths> {
    await this.parse(ConfigPath);
    const paths = resolvePaths();
    if (!this.jsonEnabled()) this.log(renderTable(Object.entries(paths).map(([name, path]) => ({ name, path }))));
    return paths;
  }
}
