import { describe, expect, it } from 'vitest';
import { parseConfigFile, seedConfigFileSchema } from '../../../node-runtime/common/seed-config';

const seedExample = {
  nodeId: 'node-8000',
  port: 8000,
  peers: ['localhost:8001', 'localhost:8002'],
  storageQuota: 4194304,
  logLevel: 'INFO',
  heartbeatInterval: 5000,
  recoveryEnabled: true,
};

describe('seed config file', () => {
  it('parses the README example with the seed schema', () => {
    expect(seedConfigFileSchema.parse(seedExample)).toEqual({ ...seedExample, logLevel: 'info' });
  });

  it('maps the README example onto identity and settings', () => {
    const result = parseConfigFile(seedExample);
    expect(result).toEqual({
      ok: true,
      identity: { nodeId: 'node-8000', port: 8000, peers: ['localhost:8001', 'localhost:8002'] },
      // The seed's 5 s heartbeat would exceed our default election timeout: it is scaled with it.
      cluster: { storageQuota: 4194304, heartbeatInterval: 5000, electionTimeout: 50_000, recoveryEnabled: true },
      node: { logLevel: 'info' },
    });
  });

  it('keeps an explicit election timeout and leaves it alone for small heartbeats', () => {
    const explicit = parseConfigFile({ heartbeatInterval: 500, electionTimeout: 2000 });
    expect(explicit.ok && explicit.cluster).toEqual({ heartbeatInterval: 500, electionTimeout: 2000 });
    const small = parseConfigFile({ heartbeatInterval: 50 });
    expect(small.ok && small.cluster).toEqual({ heartbeatInterval: 50 });
  });

  it('accepts our own settings beside the seed fields, and an empty file', () => {
    const result = parseConfigFile({ nodeId: 2, chunkSize: 65536, diskReserveBytes: 0 });
    expect(result).toEqual({ ok: true, identity: { nodeId: 2 }, cluster: { chunkSize: 65536 }, node: { diskReserveBytes: 0 } });
    expect(parseConfigFile({})).toEqual({ ok: true, identity: {}, cluster: {}, node: {} });
  });

  it('names every bad key: typos, wrong identity fields, bad settings', () => {
    const result = parseConfigFile({ port: 70000, peers: 'localhost:8001', storageQuta: 1, logLevel: 'LOUD' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.key).sort()).toEqual(['logLevel', 'peers', 'port', 'storageQuta']);
  });

  it('refuses a file that is not an object', () => {
    const result = parseConfigFile([seedExample]);
    expect(result.ok).toBe(false);
  });
});
