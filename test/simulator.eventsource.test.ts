import { EventSource } from 'eventsource';
import { expect, it } from 'vitest';
import { simulatorPerTest, streamUrl } from './simulator.helpers.js';

const start = simulatorPerTest();

it('an EventSource client resumes by Last-Event-ID after a drop, missing nothing and repeating nothing', async () => {
  const sim = await start({ retryMs: 50 });
  const source = new EventSource(streamUrl(sim));
  const received: string[] = [];
  const types = ['finding.new', 'scan.progress'];
  for (const type of types) source.addEventListener(type, (event) => received.push(event.lastEventId));
  try {
    await new Promise((resolve) => source.addEventListener('open', resolve, { once: true }));
    const before = sim.generate(20, 'finding.new');
    await expect.poll(() => received.length).toBe(20);
    sim.dropConnections();
    const during = sim.generate(20, 'scan.progress');
    await expect.poll(() => sim.stats().lastEventIds).toEqual([before.at(-1)]);
    const after = sim.generate(5, 'finding.new');
    await expect.poll(() => received.length).toBe(45);
    expect(received).toEqual([...before, ...during, ...after]);
  } finally {
    source.close();
  }
});
