/**
 * Vendors as data. Every vendor here speaks OpenAI's protocol (or Anthropic's); a preset supplies the base URL,
 * the environment variable holding the key, and declarative quirks. Adding a vendor is one row.
 */
export const PRESET_NAMES = ['openai', 'deepseek', 'qwen', 'doubao', 'hunyuan', 'moonshot', 'ollama', 'vllm', 'anthropic'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface Preset {
  protocol: 'openai' | 'anthropic';
  baseUrl: string;
  /** Environment variable read when the contender gives no api_key; null for local servers without auth. */
  keyEnv: string | null;
  quirks: { maxTokensField?: 'max_tokens' | 'max_completion_tokens'; developerRole?: 'developer' | 'system'; usageInStream?: boolean; thinkingSwitch?: ThinkingSwitch };
}

/**
 * How a vendor switches its model's thinking, for a Messages client's `thinking`: Anthropic's object read as is
 * (DeepSeek, Moonshot, Doubao/Ark, Zhipu), DashScope's `enable_thinking` and `thinking_budget`, or no switch at all.
 */
export const THINKING_SWITCHES = ['thinking', 'enable_thinking', 'none'] as const;
export type ThinkingSwitch = (typeof THINKING_SWITCHES)[number];

export const PRESETS: Record<PresetName, Preset> = {
  openai: { protocol: 'openai', baseUrl: 'https://api.openai.com/v1', keyEnv: 'OPENAI_API_KEY', quirks: { usageInStream: true, thinkingSwitch: 'none' } },
  deepseek: { protocol: 'openai', baseUrl: 'https://api.deepseek.com/v1', keyEnv: 'DEEPSEEK_API_KEY', quirks: { developerRole: 'system', usageInStream: true, thinkingSwitch: 'thinking' } },
  // DashScope's OpenAI-compatible mode.
  qwen: { protocol: 'openai', baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1', keyEnv: 'DASHSCOPE_API_KEY', quirks: { developerRole: 'system', usageInStream: true, thinkingSwitch: 'enable_thinking' } },
  // Volcengine Ark serves Doubao models; `model` is the endpoint or model id.
  doubao: { protocol: 'openai', baseUrl: 'https://ark.cn-beijing.volces.com/api/v3', keyEnv: 'ARK_API_KEY', quirks: { developerRole: 'system', usageInStream: true, thinkingSwitch: 'thinking' } },
  hunyuan: { protocol: 'openai', baseUrl: 'https://api.hunyuan.cloud.tencent.com/v1', keyEnv: 'HUNYUAN_API_KEY', quirks: { developerRole: 'system', usageInStream: true, thinkingSwitch: 'none' } },
  moonshot: { protocol: 'openai', baseUrl: 'https://api.moonshot.cn/v1', keyEnv: 'MOONSHOT_API_KEY', quirks: { developerRole: 'system', usageInStream: true, thinkingSwitch: 'thinking' } },
  ollama: { protocol: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', keyEnv: null, quirks: { developerRole: 'system', usageInStream: true, thinkingSwitch: 'none' } },
  vllm: { protocol: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', keyEnv: null, quirks: { usageInStream: true, thinkingSwitch: 'none' } },
  anthropic: { protocol: 'anthropic', baseUrl: 'https://api.anthropic.com', keyEnv: 'ANTHROPIC_API_KEY', quirks: {} },
};
