import { OcoCommand } from '../../core/cli/base-command.js';
import { fishCompletion } from '../../core/cli/fish-completion.js';

export default class AutocompleteFish extends OcoCommand<void> {
  static override summary = 'Print the fish completion script.';
  static override description =
    'fish loads completions from ~/.config/fish/completions: write the script there once, and again after ' +
    'an upgrade adds commands. bash and zsh: "oco autocomplete bash" or "oco autocomplete zsh".';
  static override examples = ['<%= config.bin %> autocomplete fish > ~/.config/fish/completions/oco.fish'];
  static override enableJsonFlag = false;

  async run(): Promise<void> {
    await this.parse(AutocompleteFish);
    process.stdout.write(fishCompletion(this.config));
  }
}
