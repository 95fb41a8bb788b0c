/**
 * The Java time-skipping test server as the Temporal of a simulation (`npm run simulate`, and the
 * time-skipping tests): the same server the SDK's test environment runs, with the product's search
 * attributes registered.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_KEYS } from './search-attributes';

/** The Java test server only accepts search attributes it has been told about. */
export async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const types: Record<string, number> = { KEYWORD: 2, BOOL: 5, DATETIME: 6 }; // IndexedValueType
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, types[k.type]!])),
    });
  } catch {
    // Already registered, or the server accepts any attribute.
  }
}

/** `path`: the cached launcher (infra/temporal-binaries.ts); without it, the SDK's own download. */
export async function startTimeSkippingTemporal(opts: { path?: string; port?: number }): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { ...(opts.path ? { executable: { type: 'existing-path' as const, path: opts.path } } : {}), ...(opts.port !== undefined ? { port: opts.port } : {}) },
  });
  await registerSearchAttributes(env);
  return env;
}
