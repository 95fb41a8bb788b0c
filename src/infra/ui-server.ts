/** The Temporal Web UI for cluster mode: `temporalio/ui-server` pointed at the cluster's frontend. */
import path from 'node:path';
import { ensurePrivateDir, writePrivateFileAtomic } from './private-files';
import { superviseProcess, type SupervisedProcess } from './supervised-process';

export function startUiServer(opts: { binary: string; dataDir: string; temporalAddress: string; port: number; namespace: string }): { url: string; process: SupervisedProcess } {
  const configDir = path.join(opts.dataDir, 'config');
  ensurePrivateDir(configDir);
  // YAML is a superset of JSON (see cluster-server.ts).
  writePrivateFileAtomic(
    path.join(configDir, 'cluster.yaml'),
    JSON.stringify({
      temporalGrpcAddress: opts.temporalAddress,
      host: '127.0.0.1',
      port: opts.port,
      enableUi: true,
      defaultNamespace: opts.namespace,
      hideLogs: true,
      cors: { cookieInsecure: true },
    }),
  );
  const process = superviseProcess({
    name: 'temporal-ui',
    command: opts.binary,
    args: ['--root', opts.dataDir, '--config', 'config', '--env', 'cluster', 'start'],
    env: {},
    logPath: path.join(opts.dataDir, 'temporal-ui.log'),
  });
  return { url: `http://127.0.0.1:${opts.port}`, process };
}
