/** What the scenario tells the viewer while it runs. */
export interface LiveView {
  /** A one-off line: "handshake with pager: accepted (v2.1)". */
  log(line: string): void;
  /** A bar that moves: "log analysis 12/40". */
  progress(task: string, done: number, total: number): void;
  /** Ends the view; the final report follows. */
  stop(): void;
}

const BAR = 24;

/** Redraws a block of progress bars in place on a terminal; log lines scroll above them. */
export class TerminalView implements LiveView {
  readonly #out: NodeJS.WriteStream;
  readonly #tasks = new Map<string, { done: number; total: number }>();
  #drawn = 0;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
  }

  log(line: string): void {
    this.#clear();
    this.#out.write(`${line}\n`);
    this.#draw();
  }

  progress(task: string, done: number, total: number): void {
    this.#tasks.set(task, { done, total });
    this.#clear();
    this.#draw();
  }

  stop(): void {
    this.#clear();
    this.#draw();
    this.#drawn = 0;
  }

  #clear(): void {
    if (this.#drawn > 0) this.#out.write(`\x1b[${this.#drawn}A\x1b[0J`);
    this.#drawn = 0;
  }

  #draw(): void {
    for (const [task, { done, total }] of this.#tasks) {
      const filled = total === 0 ? BAR : Math.round((done / total) * BAR);
      const mark = done >= total ? '\x1b[32m✔\x1b[0m' : '\x1b[33m…\x1b[0m';
      this.#out.write(`${mark} ${task.padEnd(22)} \x1b[36m${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}\x1b[0m ${done}/${total}\n`);
      this.#drawn++;
    }
  }
}

/** Plain lines for logs and pipes: each task reports when it starts and when it completes. */
export class PlainView implements LiveView {
  readonly #write: (line: string) => void;
  readonly #reported = new Map<string, number>();

  constructor(write: (line: string) => void) {
    this.#write = write;
  }

  log(line: string): void {
    this.#write(line);
  }

  progress(task: string, done: number, total: number): void {
    const last = this.#reported.get(task);
    if (last === undefined) this.#write(`[start] ${task} (0/${total})`);
    if (done >= total && last !== done) this.#write(`[done]  ${task} (${done}/${total})`);
    this.#reported.set(task, done);
  }

  stop(): void {}
}
