/**
 * Imported first by the `saima` command, before the other modules are evaluated: `saima serve`, the process that
 * stays up, starts itself again at once with V8's young generation bounded (heap-growth.ts says why). Other commands
 * (imports, evals, the local demo) keep V8's default, which suits a burst of allocation better. Where node cannot
 * replace its own process (`process.execve`: Windows, Node before 22.15) the gateway runs with V8's default.
 */
import { boundedYoungGenerationArgs } from './heap-growth.js';

/** Node 22.15+ and 24 (the type definitions this project builds with predate it). */
const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;

if (process.argv[2] === 'serve' && execve) {
  const args = boundedYoungGenerationArgs(process.execArgv, process.argv, process.env.NODE_OPTIONS);
  if (args) {
    try {
      execve.call(process, process.execPath, [process.execPath, ...args], process.env);
    } catch {
      // Not allowed here (a sandbox without execve): run as started.
    }
  }
}
