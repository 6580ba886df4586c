/** The mock's seeded stream: the shared mulberry32 (see src/stats/mulberry32.ts). */
export { mulberry32 } from '../../stats/mulberry32.js';
