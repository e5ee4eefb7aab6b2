import { mkdir, writeFile } from 'node:fs/promises';
import { FileDeadLetterStore } from '@agentmesh/resilience';
import type { RunOptions } from './args.js';
import { dlqPath } from './dlq.js';
import { PlainView, TerminalView, type LiveView } from './live.js';
import { inProcess, overNats } from './scenario/deployment.js';
import { runDesk } from './scenario/desk.js';
import type { DeskReport } from './scenario/report.js';
import { renderTraceHtml, type TraceEvent } from './trace.js';

/** A failure the CLI reports in one line (no stack trace): the user can fix it. */
export class DemoFailure extends Error {}

/** Runs the scenario once, as the CLI and the end-to-end tests do. */
export async function runScenario(options: RunOptions, out: { write(text: string): void; isTTY?: boolean } & Partial<NodeJS.WriteStream>): Promise<DeskReport> {
  const tty = options.live === 'always' || (options.live === 'auto' && out.isTTY === true);
  const view: LiveView = tty ? new TerminalView(out as NodeJS.WriteStream) : new PlainView((line) => out.write(`${line}\n`));
  await mkdir(options.dlqDir, { recursive: true });
  // A trace that cannot be written should fail now, not after the whole run.
  if (options.trace !== undefined) {
    await writeFile(options.trace, '').catch((error: unknown) => {
      throw new DemoFailure(`cannot write the trace to ${options.trace}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
  const store = await FileDeadLetterStore.open({ path: dlqPath(options.dlqDir) });
  const trace: TraceEvent[] | undefined = options.trace === undefined ? undefined : [];
  const deployment = options.transport === 'nats' ? await overNats(options.seed, options.natsUrl) : await inProcess(options.seed);
  // Ctrl-C, a kill, or a reader that went away (`| head`): stop the workers and the store first.
  let interrupted = false;
  const interrupt = (code: number) => (): void => {
    if (interrupted) return;
    interrupted = true;
    void Promise.allSettled([deployment.close(), store.close()]).then(() => process.exit(code));
  };
  const onSignal = interrupt(130);
  const onBrokenPipe = interrupt(0);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.stdout.once('error', onBrokenPipe);
  try {
    const report = await runDesk(deployment, { seed: options.seed, incidents: options.incidents, store, view, trace, paceMs: tty ? 150 : 0 });
    if (options.trace !== undefined && trace !== undefined) {
      await writeFile(options.trace, renderTraceHtml(`agentmesh incident desk (seed ${options.seed}, ${deployment.label})`, trace));
    }
    return report;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onBrokenPipe);
    await deployment.close();
    await store.close();
  }
}
