#!/usr/bin/env node
// `npm start`: build if needed, then serve the example config (embedded SQLite, mock contenders, no keys).
import { spawn } from 'node:child_process';
import './ensure-build.mjs';

const args = process.argv.slice(2);
const child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', ...(args.length ? args : ['--config', 'examples/saima.yaml'])], {
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
