import { mkdir, writeFile } from 'node:fs/promises';
import { FileDeadLetterStore } from '@agentmesh/resilience';
import type { RunOptions } from './args.js';
import { dlqPath } from './dlq.js';
import { PlainView, TerminalView, type LiveView } from './live.js';
import { inProcess, overNats } from './scenario/deployment.js';
import { runDesk } from './scenario/desk.js';
import type { DeskReport } from './scenario/report.js';
import { renderTraceHtml, type TraceEvent } from './trace.js';

/** Runs the scenario once, as the CLI and the end-to-end tests do. */
export async function runScenario(options: RunOptions, out: { write(text: string): void; isTTY?: boolean } & Partial<NodeJS.WriteStream>): Promise<DeskReport> {
  const tty = options.live === 'always' || (options.live === 'auto' && out.isTTY === true);
  const view: LiveView = tty ? new TerminalView(out as NodeJS.WriteStream) : new PlainView((line) => out.write(`${line}\n`));
  await mkdir(options.dlqDir, { recursive: true });
  const store = await FileDeadLetterStore.open({ path: dlqPath(options.dlqDir) });
  const trace: TraceEvent[] | undefined = options.trace === undefined ? undefined : [];
  const deployment = options.transport === 'nats' ? await overNats(options.seed, options.natsUrl) : await inProcess(options.seed);
  try {
    const report = await runDesk(deployment, { seed: options.seed, incidents: options.incidents, store, view, trace, paceMs: tty ? 150 : 0 });
    if (options.trace !== undefined && trace !== undefined) {
      await writeFile(options.trace, renderTraceHtml(`agentmesh incident desk (seed ${options.seed}, ${deployment.label})`, trace));
    }
    return report;
  } finally {
    await deployment.close();
    await store.close();
  }
}
