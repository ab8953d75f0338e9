import { POLICY_SCHEMA } from '../../core/base/policy/schema.js';
import { OcoCommand } from '../../core/cli/base-command.js';

export default class PolicySchema extends OcoCommand<Readonly<Record<string, unknown>>> {
  static override summary = 'Print the JSON Schema of policy files.';
  static override description =
    'The schema oco policy apply validates against (JSON Schema draft-07), also shipped in the package as ' +
    'dist/core/base/policy/policies.schema.json. Point an editor at it for completion and checking as you type ' +
    '(the YAML language server reads a first line "# yaml-language-server: $schema=./policies.schema.json").';
  static override examples = [
    '<%= config.bin %> policy schema > policies.schema.json',
    '<%= config.bin %> policy schema --json',
  ];

  async run(): Promise<Readonly<Record<string, unknown>>> {
    await this.parse(PolicySchema);
    // --json prints the same document (the returned value).
    if (!this.jsonEnabled()) this.log(JSON.stringify(POLICY_SCHEMA, null, 2));
    return POLICY_SCHEMA;
  }
}
