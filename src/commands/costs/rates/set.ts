import { Args } from '@oclif/core';
import { OcoCommand } from '../../../core/cli/base-command.js';
import { setRate } from '../../../core/cloud-costs/rates.js';

export default class CostsRatesSet extends OcoCommand<{ currency: string; usdPerUnit: string }> {
  static override summary = 'Set the USD rate used to report costs billed in another currency.';
  static override description =
    'Costs stay stored in the currency they were billed in; reports convert ' +
    'with this rate (USD per one unit), never with a rate oco guessed.';
  static override examples = [
    '<%= config.bin %> costs rates set EUR 1.08',
    '<%= config.bin %> costs rates set JPY 0.0067 --json',
  ];
  static override args = {
    currency: Args.string({ description: 'ISO 4217 code, e.g. EUR', required: true }),
    rate: Args.string({ description: 'USD per one unit of the currency', required: true }),
  };

  async run(): Promise<{ currency: string; usdPerUnit: string }> {
    const { args } = await this.parse(CostsRatesSet);
    const store = await this.store();
    const r = await setRate(store, args.currency, args.rate);
    if (!this.jsonEnabled()) this.log(`1 ${r.currency} = ${r.usdPerUnit} USD`);
    return r;
  }
}
