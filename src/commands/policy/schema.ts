import { POLICY_SCHEMA } from '../../core/base/policy/schema.js';
import { OcoCommand } from '../../core/cli/base-command.js';

export default class PolicySchema extends OcoCommand<Readonly<Record<string, unknown>>> {
  static override summary = 'Print the JSON Schema of policy files.';
  static override description =
    'The schema oco policy apply validates against (JSON Schema draft-07), also shipped in the package as ' +
    'dist/core/base/policy/policies.schema.json. Point an editor at it for completion and checking as you type.';
  static override examples = [
    '<%= config.bin %> policy schema > policies.schema.json',
    '# in policies.yaml, for editors with the YAML language server:\n# yaml-language-server: $schema=./policies.schema.json',
  ];
  static override enableJsonFlag = false;

  async run(): Promise<Readonly<Record<string, unknown>>> {
    await this.parse(PolicySchema);
    this.log(JSON.stringify(POLICY_SCHEMA, null, 2));
    return POLICY_SCHEMA;
  }
}
