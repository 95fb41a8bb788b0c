/** `npm run servers`: obtain and cache the Temporal servers (dev, test, cluster) ahead of time; prints their paths. */
import { resolveTemporalCli, resolveTemporalServer, resolveTemporalUiServer, resolveTestServer } from './temporal-binaries';

console.log(`temporal CLI (dev server): ${resolveTemporalCli() ?? 'SDK download'}`);
console.log(`time-skipping test server: ${resolveTestServer() ?? 'SDK download'}`);
console.log(`cluster server: ${resolveTemporalServer().server}`);
console.log(`cluster Web UI server: ${resolveTemporalUiServer() ?? 'none (cluster mode runs without the Web UI)'}`);
