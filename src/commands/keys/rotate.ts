import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { parseGrace, rotateKey } from '../../core/gateway/keys/lifecycle.js';
import type { VirtualKey } from '../../core/gateway/keys/service.js';

export default class KeysRotate extends OcoCommand<VirtualKey & { key: string }> {
  static override summary = 'Give a key a new secret (printed once); the old one works until --grace ends.';
  static override description =
    'Both secrets resolve to the same key id, so spend, budgets and limits stay on one key. After the ' +
    'grace period the old secret gets the same 401 as an unknown key. --grace 0 (the default) ends it at once; ' +
    'at most 30d. Rotating again ends the previous secret now.';
  static override examples = [
    '<%= config.bin %> keys rotate ci-bot --grace 24h',
    '<%= config.bin %> keys rotate key_0123456789abcdef --json',
  ];
  static override args = {
    key: Args.string({ description: 'Key id (key_…), prefix or name.', required: true }),
  };
  static override flags = {
    grace: Flags.string({ summary: 'How long the old secret stays valid: 0 or a span such as 1h, 7d.', default: '0' }),
  };

  async run(): Promise<VirtualKey & { key: string }> {
    const { args, flags } = await this.parse(KeysRotate);
    const grace = parseGrace(flags.grace);
    const { key, record } = await rotateKey(await this.store(), args.key, grace);
    if (!this.jsonEnabled()) {
      const old = record.previousValidUntil ? `until ${record.previousValidUntil}` : 'no longer';
      this.log(`Rotated ${record.id} (${record.name}); the old secret is accepted ${old}. New secret, shown once:`);
      this.log(`\n  ${key}\n`);
    }
    return { ...record, key };
  }
}
