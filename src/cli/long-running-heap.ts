/**
 * Imported first by the `saima` command, before the other modules are evaluated: `saima serve`, the process that
 * stays up, starts itself again at once with V8's young generation and malloc's arenas bounded (heap-growth.ts says
 * why). Other commands
 * (imports, evals, the local demo) keep V8's default, which suits a burst of allocation better. Where node cannot
 * replace its own process (`process.execve`: Windows, Node before 22.15) the gateway runs with V8's default.
 */
import { boundedStart } from './heap-growth.js';

/** Node 22.15+ and 24 (the type definitions this project builds with predate it). */
const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;

if (process.argv[2] === 'serve' && execve) {
  const start = boundedStart(process.execArgv, process.argv, process.env);
  if (start) {
    try {
      execve.call(process, process.execPath, [process.execPath, ...start.args], start.env);
    } catch {
      // Not allowed here (a sandbox without execve): run as started.
    }
  }
}
