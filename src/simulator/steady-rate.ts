/**
 * Calls `emit(n)` every `tickMs` with however many events are due by the clock, so the rate is
 * right from 1/s (one event a second) to tens of thousands a second (hundreds per tick), and a
 * late timer is caught up rather than lost.
 */
export function startSteadyRate(rate: number, emit: (count: number) => void, tickMs = 10): () => void {
  const started = performance.now();
  let emitted = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) * rate) / 1000) - emitted;
    if (due <= 0) return;
    emitted += due;
    emit(due);
  }, tickMs);
  timer.unref();
  return () => clearInterval(timer);
}
