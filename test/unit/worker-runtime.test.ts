/** WORKER_METRICS_ADDRESS: an IP literal and a port, loopback or not; unset means no metrics and no Runtime installed. */
import net from 'node:net';
import { Runtime } from '@temporalio/worker';
import { installWorkerRuntime, parseMetricsAddress } from '../../src/metrics/worker-runtime';

test('addresses: IPv4 and bracketed IPv6 literals with a port', () => {
  expect(parseMetricsAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464, loopback: true });
  expect(parseMetricsAddress('127.0.0.2:1')).toEqual({ host: '127.0.0.2', port: 1, loopback: true });
  expect(parseMetricsAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464, loopback: true });
  expect(parseMetricsAddress('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464, loopback: false });
  expect(parseMetricsAddress('10.1.2.3:65535')).toEqual({ host: '10.1.2.3', port: 65535, loopback: false });
});

test.each(['localhost:9464', '127.0.0.1', '9464', '127.0.0.1:0', '127.0.0.1:65536', '::1:9464', '[::1]', '300.0.0.1:9464', 'http://127.0.0.1:9464'])(
  '%s is refused, naming the setting',
  (text) => {
    expect(() => parseMetricsAddress(text)).toThrow(/WORKER_METRICS_ADDRESS must be <ip>:<port>/);
    expect(() => installWorkerRuntime({ address: text })).toThrow(/WORKER_METRICS_ADDRESS/);
  },
);

test('unset or empty: off, and the SDK Runtime is left alone', () => {
  const saved = process.env.WORKER_METRICS_ADDRESS;
  delete process.env.WORKER_METRICS_ADDRESS;
  try {
    expect(installWorkerRuntime()).toBeNull();
    expect(installWorkerRuntime({ address: '' })).toBeNull();
    expect(installWorkerRuntime({ address: undefined })).toBeNull();
    expect(Runtime._instance).toBeUndefined();
  } finally {
    if (saved !== undefined) process.env.WORKER_METRICS_ADDRESS = saved;
  }
});

test('a port offset that leaves the port range is refused before anything is installed', () => {
  expect(() => installWorkerRuntime({ address: '127.0.0.1:65535', portOffset: 1 })).toThrow(/is not a port/);
  expect(Runtime._instance).toBeUndefined();
});

test('a port already taken: a clear error naming the address, and no Runtime installed', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    expect(() => installWorkerRuntime({ address: `127.0.0.1:${port}` })).toThrow(`cannot serve worker metrics on 127.0.0.1:${port}`);
    expect(Runtime._instance).toBeUndefined();
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
