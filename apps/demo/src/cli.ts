import { HELP, UsageError, parseArgs, type Command } from './args.js';
import { listDeadLetters, replayDeadLetters } from './dlq.js';
import { DemoFailure, runScenario } from './run.js';
import { renderReport } from './scenario/report.js';

async function main(): Promise<number> {
  let command: Command;
  try {
    command = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`agentmesh demo: ${error.message}\n\n${HELP}`);
      return 2;
    }
    throw error;
  }
  const write = (line: string): void => void process.stdout.write(`${line}\n`);
  switch (command.kind) {
    case 'help':
      process.stdout.write(HELP);
      return 0;
    case 'dlq-list':
      await listDeadLetters(command.dlqDir, write);
      return 0;
    case 'dlq-replay': {
      const result = await replayDeadLetters(command.dlqDir, command.target, write);
      // Asking for one record that is not there is a failure too.
      return result.failed > 0 || ('id' in command.target && result.skipped > 0) ? 1 : 0;
    }
    case 'run': {
      const { options } = command;
      const report = await runScenario(options, options.json ? process.stderr : process.stdout);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return 0;
      }
      process.stdout.write(renderReport(report));
      if (options.trace !== undefined) write(`Trace written to ${options.trace} (open it in a browser).`);
      return 0;
    }
  }
}

// A reader that went away (`pnpm demo | head`) ends the output, not the process with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
});

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const detail = error instanceof DemoFailure ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`agentmesh demo failed: ${detail}\n`);
    process.exit(1);
  },
);
