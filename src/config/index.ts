export { buildConfig, loadConfigFile, ConfigError, formatPath, interpolate } from './load.js';
export { ConfigSchema, type RawConfig, type MockProfile } from './schema.js';
export { PRESETS, PRESET_NAMES, type PresetName } from './presets.js';
export type { Config, Contender, Race, Price, Protocol, Currency } from './types.js';
