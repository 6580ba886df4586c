export { runDemo, type DemoOptions } from './run-demo.js';
export { DEMO_CONFIG_FILE, demoConfig } from './demo-config.js';
export { FAST, NORMAL, type Pacing } from './pacing.js';
export { DEMO_RACE, PROFILES, RATED_SHARE, type DemoProfile } from './profiles.js';
