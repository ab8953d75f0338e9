import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../../core/cli/base-command.js';
import {
  addUpstream,
  MAX_WEIGHT,
  UPSTREAM_KINDS,
  type UpstreamEntry,
} from '../../../core/gateway/upstreams/registry.js';

export default class RouteProvidersAdd extends OcoCommand<UpstreamEntry> {
  static override summary = 'Register an OpenAI-compatible provider, or another deployment of a built-in one.';
  static override description =
    'With the default --kind openai-compatible (Ollama, vLLM, LM Studio, Groq, Mistral, DeepSeek, Together…) ' +
    'the unified endpoint reaches it as NAME/model; its calls are priced from "oco pricing set --provider NAME" ' +
    'and recorded under NAME. With --kind openai, anthropic or gemini it is another deployment (key, account, ' +
    'region) of that provider: calls to its models are spread over the built-in default (weight 1) and its ' +
    'deployments by weight, recorded under the built-in with the deployment name, and a deployment that ' +
    'answers 429 leaves the rotation until its Retry-After. --key-env names the environment variable holding ' +
    'the key, which the gateway reads where it runs; the key itself is never stored. A running gateway picks ' +
    'the change up within seconds.';
  static override examples = [
    '<%= config.bin %> route providers add groq --base-url https://api.groq.com/openai/v1 --key-env GROQ_API_KEY',
    '<%= config.bin %> route providers add ollama --base-url http://127.0.0.1:11434/v1 --models llama3.2,qwen2.5',
    '<%= config.bin %> route providers add openai-eu --kind openai --base-url https://eu.api.openai.com --key-env OPENAI_KEY_EU --weight 2',
    '<%= config.bin %> route providers add claude-2 --kind anthropic --base-url https://api.anthropic.com --key-env ANTHROPIC_KEY_2 --json',
  ];
  static override args = {
    name: Args.string({
      description: "Lowercase slug (a letter, then letters, digits, '-'): the NAME in NAME/model.",
      required: true,
    }),
  };
  static override flags = {
    'base-url': Flags.string({
      summary: 'http(s) URL the API paths go under (an OpenAI-compatible one ends where /chat/completions starts).',
      required: true,
    }),
    kind: Flags.string({
      summary: 'openai-compatible (a provider of its own) or the built-in this is a deployment of.',
      options: [...UPSTREAM_KINDS],
      default: 'openai-compatible',
    }),
    'key-env': Flags.string({ summary: 'Name of the environment variable holding its key (never the key).' }),
    models: Flags.string({ summary: 'Only these models (m1,m2): other models are refused (400) or not sent here.' }),
    weight: Flags.integer({ summary: `Share of its provider's traffic, 1-${MAX_WEIGHT} (the built-in counts 1).` }),
  };

  async run(): Promise<UpstreamEntry> {
    const { args, flags } = await this.parse(RouteProvidersAdd);
    const u = await addUpstream(await this.store(), {
      name: args.name,
      kind: flags.kind,
      baseUrl: flags['base-url'],
      keyEnv: flags['key-env'],
      models: flags.models,
      weight: flags.weight,
    });
    if (!this.jsonEnabled()) {
      const reach =
        u.kind === 'openai-compatible'
          ? `call it as ${u.name}/<model>; price its models with "oco pricing set MODEL --provider ${u.name} …"`
          : `a deployment of ${u.kind} with weight ${u.weight} (the built-in default counts 1)`;
      this.log(`Added ${u.name} → ${u.baseUrl}: ${reach}.`);
    }
    return u;
  }
}
