import { OcoCommand } from '../core/cli/base-command.js';
import { buildInfo, type BuildInfo } from '../core/base/build-info.js';

export default class Version extends OcoCommand<BuildInfo> {
  static override summary = "Print oco's version, the commit it was built from and how it runs.";
  static override description =
    'The commit is the one the build was made from ("unknown" for a build without git, "-dirty" when its ' +
    'sources differed from it). singleBinary is true for the single executable (scripts/build-binary.js), ' +
    'false when node runs the installed package.';
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json'];

  async run(): Promise<BuildInfo> {
    await this.parse(Version);
    const info = buildInfo();
    if (!this.jsonEnabled()) {
      const how = info.singleBinary ? 'single binary' : 'node package';
      this.log(`oco ${info.version} (commit ${info.commit}; ${how}; node ${info.node}; ${info.platform}-${info.arch})`);
    }
    return info;
  }
}
