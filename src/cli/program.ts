/**
 * The `saima` command (started by main.ts). Every failure is caught here once and printed as one line (`saima: …`),
 * with a non-zero exit code; stack traces go nowhere near the user.
 */
import { Command, CommanderError } from 'commander';
import { registerArenaCommands } from './commands/arena.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerLeaderboardCommand } from './commands/leaderboard.js';
import { registerRaceCommands } from './commands/race.js';
import { registerRequestsCommand } from './commands/requests.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerSpendCommand } from './commands/spend.js';
import { registerEvalCommands } from './commands/eval.js';
import { registerGateCommand } from './commands/gate.js';
import { registerWorkerCommand } from './commands/worker.js';
import { describeError } from './describe-error.js';

export function buildProgram(): Command {
  const program = new Command('saima')
    .description('Race LLMs behind one OpenAI-compatible endpoint and let evidence pick the winner.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, 'saima: ')) });
  registerServeCommand(program);
  registerDemoCommand(program);
  registerConfigCommands(program);
  registerKeysCommands(program);
  registerSpendCommand(program);
  registerRequestsCommand(program);
  registerEvalCommands(program);
  registerGateCommand(program);
  registerRaceCommands(program);
  registerSimulateCommand(program);
  registerArenaCommands(program);
  registerLeaderboardCommand(program);
  registerWorkerCommand(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  // `saima … | head`: a reader that closed the pipe has all it wanted; stop quietly, without a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`saima: ${describeError(err)}\n`);
    process.exitCode = 1;
  }
}

void main(process.argv);
