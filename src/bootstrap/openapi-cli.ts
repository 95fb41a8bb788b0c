/**
 * `npm run openapi`: prints the API's OpenAPI document (`--simulate`: with the test clock's routes).
 * `npm run openapi -- --lint`: lints it with Redocly's `recommended-strict` rules and exits 1 on any
 * problem (docs/openapi.md); `--lint --file F` lints the document in F instead. Redocly is a
 * development dependency, loaded only here.
 */
import { readFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../api/openapi/document';
import packageJson from '../../package.json';

/**
 * The two rules left out (docs/openapi.md): an operation with no client error at all (only the
 * open pages, /healthz, /openapi.json, /docs and /demo, have none; every other operation lists its
 * 4xx by construction in src/api/openapi/operation.ts), and one whose success is not a 2xx (the card
 * window's return routes answer with a 303 redirect, as a browser needs).
 */
const LINT_RULES = { 'operation-4xx-response': 'off', 'operation-2xx-response': 'off' } as const;

async function lint(text: string): Promise<number> {
  const { createConfig, lintFromString } = await import('@redocly/openapi-core');
  const config = await createConfig({ extends: ['recommended-strict'], rules: LINT_RULES });
  const problems = await lintFromString({ source: text, absoluteRef: 'openapi.json', config });
  for (const problem of problems) {
    const where = problem.location.map((l) => l.pointer).join(', ');
    console.log(`${problem.severity} ${problem.ruleId}: ${problem.message} (${where})`);
  }
  console.log(`openapi lint: ${problems.length} problem(s) under recommended-strict`);
  return problems.length === 0 ? 0 : 1;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = new Set(argv);
  const file = args.has('--file') ? argv[argv.indexOf('--file') + 1] : undefined;
  const document = buildOpenApiDocument({ testClock: args.has('--simulate'), version: packageJson.version });
  const text = file ? readFileSync(file, 'utf8') : JSON.stringify(document, null, 2);
  if (!args.has('--lint')) return void process.stdout.write(`${text}\n`);
  process.exitCode = await lint(text);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
