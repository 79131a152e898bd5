/**
 * A background pass (webhook deliveries, peer sends, upload sweeps, archive renewals): run at once,
 * then again after the delay each pass returns, one pass at a time, until stopped. A pass that
 * throws is reported and tried again after `retryMs`. Its timer never keeps the process alive.
 */
export class RepeatingPass {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  start(pass: () => Promise<number>, onError: (error: unknown) => void, retryMs: number): void {
    const tick = () => {
      if (this.stopped) return;
      const next = pass().catch((error: unknown) => {
        onError(error);
        return retryMs;
      });
      this.running = next;
      void next.then((delayMs) => {
        if (this.stopped) return;
        this.timer = setTimeout(tick, delayMs);
        this.timer.unref();
      });
    };
    tick();
  }

  /** Stops the passes and waits for the one in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
