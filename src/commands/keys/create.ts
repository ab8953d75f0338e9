import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { createKey, type VirtualKey } from '../../core/gateway/keys/service.js';
import { parseTimeOrDuration } from '../../core/gateway/usage/time.js';

export default class KeysCreate extends OcoCommand<VirtualKey & { key: string }> {
  static override summary = 'Create a virtual key for gateway clients; the key is printed once.';
  static override description =
    'Clients send it as X-OCO-Key (or as their SDK API key: the gateway then adds the ' +
    'configured provider key). Its attribution (org/team/agent/user) applies to every call ' +
    'made with it, so those clients need no attribution headers. Only a SHA-256 hash is stored.';
  static override examples = [
    '<%= config.bin %> keys create --name ci-bot --team payments --agent release-notes',
    '<%= config.bin %> keys create --name trial --expires 30d --json',
  ];
  static override flags = {
    name: Flags.string({ summary: 'A name to recognise the key by.', required: true }),
    org: Flags.string({ summary: "Org the key's calls are billed to." }),
    team: Flags.string({ summary: "Team the key's calls are billed to." }),
    agent: Flags.string({ summary: "Agent the key's calls are billed to." }),
    user: Flags.string({ summary: "User the key's calls are billed to." }),
    expires: Flags.string({ summary: 'Expiry: a duration such as 30d or an ISO-8601 date.' }),
  };

  async run(): Promise<VirtualKey & { key: string }> {
    const { flags } = await this.parse(KeysCreate);
    const expiresAt = flags.expires ? parseTimeOrDuration(flags.expires, 'expires', 'future') : undefined;
    const store = await this.store();
    const { key, record } = await createKey(store, {
      name: flags.name,
      orgId: flags.org,
      teamId: flags.team,
      agentId: flags.agent,
      userId: flags.user,
      expiresAt,
    });
    if (!this.jsonEnabled()) {
      this.log(
        `Created virtual key ${record.id} (${record.name}). It is shown only now; store it safely:\n\n  ${key}\n`,
      );
    }
    return { ...record, key };
  }
}
