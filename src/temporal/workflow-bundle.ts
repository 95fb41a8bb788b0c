/**
 * The workflow code as one prebuilt bundle: `npm run build` writes it once, and every worker
 * process loads it (`WORKFLOW_BUNDLE`) instead of running webpack on each start, which took 6–36 s
 * from restart to polling under load. The bundle must be rebuilt with the code it was built from
 * (the Dockerfile does it in the image; cluster mode does it on every start).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('../../workflows');

export const DEFAULT_BUNDLE_PATH = path.resolve(__dirname, '../../dist/workflow-bundle.js');

/** Bundles the workflows and writes the bundle; returns its path. */
export async function writeWorkflowBundle(outPath: string = DEFAULT_BUNDLE_PATH): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (message, meta) => process.stderr.write(`${message} ${JSON.stringify(meta ?? {})}\n`), log() {} },
  });
  mkdirSync(path.dirname(outPath), { recursive: true });
  writeFileSync(outPath, code);
  return outPath;
}
