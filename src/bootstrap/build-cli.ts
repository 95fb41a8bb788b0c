/** `npm run build`: the workflow bundle production workers load (WORKFLOW_BUNDLE). */
import { writeWorkflowBundle } from '../temporal/workflow-bundle';

writeWorkflowBundle(process.argv[2]).then(
  (out) => process.stdout.write(`workflow bundle written to ${out}\n`),
  (error: Error) => {
    process.stderr.write(`build failed: ${error.message}\n`);
    process.exit(1);
  },
);
