import { describe, expect, it } from 'vitest';
import {
  buildConfigView,
  CLUSTER_DEFAULTS,
  CLUSTER_SETTING_KEYS,
  clusterSettingsSchema,
  describeConfigIssues,
  layerSettings,
  NODE_DEFAULTS,
  NODE_SETTING_KEYS,
  nodeSettingsSchema,
  LOCAL_CLUSTER_TIMING,
  pinRaftTiming,
  scopeOf,
  validateConfigPatch,
  type ClusterSettings,
  type ConfigPatchResult,
  type LayeredSettings,
} from '../../../node-runtime/common/config';
import { configViewSchema } from '../../../node-runtime/common/api-types';

function issuesOf(result: ConfigPatchResult) {
  if (result.ok) throw new Error('expected the patch to be refused');
  return result.issues;
}

describe('settings', () => {
  it('has defaults inside their own ranges', () => {
    expect(clusterSettingsSchema.parse(CLUSTER_DEFAULTS)).toEqual(CLUSTER_DEFAULTS);
    expect(nodeSettingsSchema.parse(NODE_DEFAULTS)).toEqual(NODE_DEFAULTS);
  });

  it('gives every setting exactly one scope', () => {
    for (const key of CLUSTER_SETTING_KEYS) expect(scopeOf(key)).toBe('cluster');
    for (const key of NODE_SETTING_KEYS) expect(scopeOf(key)).toBe('node');
    expect(scopeOf('nope')).toBeUndefined();
    expect(scopeOf('toString')).toBeUndefined();
    expect(CLUSTER_SETTING_KEYS).toEqual(expect.arrayContaining([
      'storageQuota', 'heartbeatInterval', 'electionTimeout', 'recoveryEnabled', 'scrubRateBytesPerSec',
      'scrubIntervalSec', 'chunkSize', 'snapshotThreshold', 'lockDefaultTtlMs',
    ]));
    expect([...NODE_SETTING_KEYS].sort()).toEqual(['bodyIdleTimeoutMs', 'diskReserveBytes', 'leaderWaitMs', 'logLevel', 'maxConcurrentUploads', 'maxHeaderBytes', 'openHealthRoutes', 'requestTimeoutMs']);
  });

  it('defaults the quota to 10 GiB', () => {
    expect(CLUSTER_DEFAULTS.storageQuota).toBe(10 * 1024 ** 3);
  });
});

describe('validateConfigPatch', () => {
  it('accepts the seed example {"logLevel": "DEBUG"} as a node setting, mapped to pino', () => {
    expect(validateConfigPatch({ logLevel: 'DEBUG' })).toEqual({ ok: true, cluster: {}, node: { logLevel: 'debug' } });
  });

  it.each([
    ['INFO', 'info'],
    ['info', 'info'],
    ['Warn', 'warn'],
    ['WARNING', 'warn'],
    ['ERROR', 'error'],
    [' trace ', 'trace'],
    ['FATAL', 'fatal'],
  ])('maps log level %j to %j', (raw, level) => {
    expect(validateConfigPatch({ logLevel: raw })).toEqual({ ok: true, cluster: {}, node: { logLevel: level } });
  });

  it('splits a mixed patch by scope', () => {
    expect(validateConfigPatch({ storageQuota: 1000, recoveryEnabled: false, diskReserveBytes: 0 })).toEqual({
      ok: true,
      cluster: { storageQuota: 1000, recoveryEnabled: false },
      node: { diskReserveBytes: 0 },
    });
  });

  it('accepts an empty patch', () => {
    expect(validateConfigPatch({})).toEqual({ ok: true, cluster: {}, node: {} });
  });

  it('refuses unknown keys, naming them', () => {
    const issues = issuesOf(validateConfigPatch({ storageQuota: 10, colour: 'blue' }));
    expect(issues).toEqual([{ key: 'colour', reason: 'unknown_key', message: 'unknown setting' }]);
  });

  it('refuses wrong types, naming the key', () => {
    const issues = issuesOf(validateConfigPatch({ storageQuota: '4MB' }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ key: 'storageQuota', reason: 'invalid_value' });
    expect(issuesOf(validateConfigPatch({ recoveryEnabled: 'yes' }))[0]?.key).toBe('recoveryEnabled');
    expect(issuesOf(validateConfigPatch({ logLevel: 5 }))[0]?.key).toBe('logLevel');
    expect(issuesOf(validateConfigPatch({ chunkSize: 1.5 * 1024 * 1024 + 0.5 }))[0]?.key).toBe('chunkSize');
  });

  it('refuses out-of-range values, naming the key', () => {
    expect(issuesOf(validateConfigPatch({ storageQuota: -1 }))[0]?.key).toBe('storageQuota');
    expect(issuesOf(validateConfigPatch({ heartbeatInterval: 1 }))[0]?.key).toBe('heartbeatInterval');
    expect(issuesOf(validateConfigPatch({ chunkSize: 10 }))[0]?.key).toBe('chunkSize');
    expect(issuesOf(validateConfigPatch({ logLevel: 'LOUD' }))[0]).toMatchObject({ key: 'logLevel', reason: 'invalid_value' });
  });

  it('reports every problem, and applies nothing unless all are valid', () => {
    const result = validateConfigPatch({ storageQuota: -1, logLevel: 'nope', extra: 1, recoveryEnabled: true });
    expect(result.ok).toBe(false);
    expect(issuesOf(result).map((i) => i.key)).toEqual(['extra', 'logLevel', 'storageQuota']);
    expect(describeConfigIssues(issuesOf(result))).toMatch(/^extra: unknown setting; logLevel: .+; storageQuota: .+/);
  });

  it('refuses a patch that is not an object', () => {
    for (const patch of [null, 42, 'logLevel=DEBUG', [1, 2]]) {
      expect(issuesOf(validateConfigPatch(patch))[0]?.reason).toBe('not_an_object');
    }
  });

  it('keeps the election timeout at least twice the heartbeat, against the current values', () => {
    expect(issuesOf(validateConfigPatch({ heartbeatInterval: 600 }))[0]).toMatchObject({ key: 'electionTimeout', reason: 'inconsistent' });
    expect(validateConfigPatch({ heartbeatInterval: 600, electionTimeout: 6000 }).ok).toBe(true);
    const current = { ...CLUSTER_DEFAULTS, electionTimeout: 10_000 };
    expect(validateConfigPatch({ heartbeatInterval: 600 }, current).ok).toBe(true);
  });
});

describe('layerSettings and buildConfigView', () => {
  it('lets later layers win and records the source of each value', () => {
    const node = layerSettings(NODE_DEFAULTS, [
      { source: 'file', values: { logLevel: 'warn', diskReserveBytes: 1 } },
      { source: 'env', values: { logLevel: 'error' } },
      { source: 'api', values: { diskReserveBytes: 2 } },
    ]);
    expect(node.values).toEqual({ ...NODE_DEFAULTS, logLevel: 'error', diskReserveBytes: 2 });
    expect(node.sources).toMatchObject({ logLevel: 'env', diskReserveBytes: 'api', bodyIdleTimeoutMs: 'default' });
  });

  it('builds a view of every setting that the renderer schema accepts', () => {
    const cluster = layerSettings(CLUSTER_DEFAULTS, [{ source: 'api', values: { storageQuota: 5 } }]);
    const node = layerSettings(NODE_DEFAULTS, []);
    const view = buildConfigView(cluster, node);
    expect(configViewSchema.parse(view)).toEqual(view);
    expect(view['storageQuota']).toEqual({ value: 5, scope: 'cluster', source: 'api' });
    expect(view['chunkSize']).toEqual({ value: CLUSTER_DEFAULTS.chunkSize, scope: 'cluster', source: 'default' });
    expect(view['logLevel']).toEqual({ value: 'info', scope: 'node', source: 'default' });
    expect(Object.keys(view).sort()).toEqual([...CLUSTER_SETTING_KEYS, ...NODE_SETTING_KEYS].sort());
  });
});

describe('pinRaftTiming', () => {
  const layered = (values: Partial<ClusterSettings>, setByLog: (keyof ClusterSettings)[] = []): LayeredSettings<ClusterSettings> => ({
    values: { ...CLUSTER_DEFAULTS, ...values },
    sources: Object.fromEntries(Object.keys(CLUSTER_DEFAULTS).map((k) => [k, setByLog.includes(k as keyof ClusterSettings) ? 'api' : 'default'])) as LayeredSettings<ClusterSettings>['sources'],
  });

  it('adds the running partner of a lone timeout while the log has set neither', () => {
    expect(pinRaftTiming({ electionTimeout: 150 }, layered(LOCAL_CLUSTER_TIMING))).toEqual({ electionTimeout: 150, heartbeatInterval: LOCAL_CLUSTER_TIMING.heartbeatInterval });
    expect(pinRaftTiming({ heartbeatInterval: 40, storageQuota: 5 }, layered(LOCAL_CLUSTER_TIMING))).toEqual({ heartbeatInterval: 40, electionTimeout: LOCAL_CLUSTER_TIMING.electionTimeout, storageQuota: 5 });
  });

  it('leaves a patch alone once the log set a timeout, or when it sets no timeout', () => {
    expect(pinRaftTiming({ electionTimeout: 900 }, layered({ electionTimeout: 800 }, ['electionTimeout']))).toEqual({ electionTimeout: 900 });
    expect(pinRaftTiming({ storageQuota: 5 }, layered(LOCAL_CLUSTER_TIMING))).toEqual({ storageQuota: 5 });
  });

  it('makes the entry pass on every replica: the state machine judges it against CLUSTER_DEFAULTS', () => {
    const pinned = pinRaftTiming({ electionTimeout: 150 }, layered(LOCAL_CLUSTER_TIMING));
    expect(validateConfigPatch({ electionTimeout: 150 }).ok).toBe(false);
    expect(validateConfigPatch(pinned).ok).toBe(true);
  });
});
