/** `npm run servers`: obtain and cache both Temporal servers ahead of time; prints their paths. */
import { resolveTemporalCli, resolveTestServer } from './temporal-binaries';

console.log(`temporal CLI (dev server): ${resolveTemporalCli() ?? 'SDK download'}`);
console.log(`time-skipping test server: ${resolveTestServer() ?? 'SDK download'}`);
