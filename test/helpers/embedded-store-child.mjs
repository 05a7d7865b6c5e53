// A child process for the embedded store's tests, on the built store (npm run build first).
//   hold <path>          opens the store, prints "ready", and keeps it open until killed
//   burst <path> <size>  ingests batches of <size> events (ids b<batch>-<n>) for ever, printing
//                        each batch's last id once its ingest has resolved, before the next
import { createEmbeddedStore } from '../../dist/src/store/embedded/embedded-store.js';

const [mode, path, size] = process.argv.slice(2);
const BATCH = Number(size);

try {
  const store = await createEmbeddedStore({ path });
  if (mode === 'hold') {
    process.stdout.write('ready\n');
    setInterval(() => {}, 60_000);
  } else {
    for (let batch = 0; ; batch++) {
      const items = Array.from({ length: BATCH }, (_, n) => ({
        kind: 'event',
        envelope: { id: `b${batch}-${n}`, type: 'finding.new', data: { n }, asset: {}, subscription: 'sub', receivedAt: Date.now() },
        connectors: ['splunk', 'slack'],
      }));
      await store.ingest('sub', items);
      process.stdout.write(`b${batch}-${BATCH - 1}\n`);
    }
  }
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
