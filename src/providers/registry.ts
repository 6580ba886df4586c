/** One adapter instance per wire protocol, shared by every contender that speaks it. */
import type { Contender, Protocol } from '../config/types.js';
import { AnthropicAdapter } from './anthropic/adapter.js';
import { MockAdapter } from './mock/adapter.js';
import { OpenAIAdapter } from './openai/adapter.js';
import type { ProviderAdapter } from './spec.js';

export class ProviderRegistry {
  readonly #adapters: Record<Protocol, ProviderAdapter>;

  constructor(opts: { random?: () => number } = {}) {
    this.#adapters = {
      openai: new OpenAIAdapter(),
      anthropic: new AnthropicAdapter(),
      mock: new MockAdapter(opts.random ? { random: opts.random } : undefined),
    };
  }

  adapterFor(contender: Contender): ProviderAdapter {
    return this.#adapters[contender.protocol];
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.#adapters).map((a) => a.close()));
  }
}
