#!/usr/bin/env node
/**
 * The `saima` executable. `saima serve` may start itself again before anything else is loaded (long-running-heap.ts),
 * so the command's modules are imported only after that.
 */
import './long-running-heap.js';

await import('./program.js');
