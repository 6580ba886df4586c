#!/usr/bin/env node
// `npm start`: build if needed, then run the guided offline demo (`saima demo`: simulated models and users, no
// keys, no network). Given arguments, serve a config instead, as before: `npm start -- --config saima.yaml`.
import { spawn } from 'node:child_process';
import './ensure-build.mjs';

const args = process.argv.slice(2);
const child = spawn(process.execPath, ['dist/src/cli/main.js', ...(args.length ? ['serve', ...args] : ['demo'])], {
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
