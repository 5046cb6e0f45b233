// Properties of the settings validators over generated input: a config patch or a config file of
// any shape is answered (accepted or refused with named issues) without throwing, and anything
// accepted is within each setting's schema, so no generated value can reach a running node unchecked.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLUSTER_SETTING_KEYS, clusterSettingsSchema, NODE_SETTING_KEYS, nodeSettingsSchema, validateConfigPatch,
} from '../../../node-runtime/common/config';
import { parseConfigFile } from '../../../node-runtime/common/seed-config';

const keys = [...CLUSTER_SETTING_KEYS, ...NODE_SETTING_KEYS];

/** Values that are wrong in every way a JSON body can be wrong, plus some right ones. */
const hostileValue = fc.oneof(
  fc.jsonValue(),
  fc.double(),
  fc.constantFrom(-1, 0, 1, 2 ** 53, -(2 ** 53), 1e308, Number.NaN, Number.POSITIVE_INFINITY, 0.5, '1', 'DEBUG', 'warning', '', true, null),
  fc.bigInt().map(String),
);
const patch = fc.dictionary(fc.oneof(fc.constantFrom(...keys, '__proto__', 'constructor', 'toString'), fc.string()), hostileValue, { maxKeys: 6 });

describe('settings validation, property-based', () => {
  it('validateConfigPatch never throws and accepts only values each schema accepts', () => {
    fc.assert(
      fc.property(fc.oneof(patch, fc.anything()), (candidate) => {
        const result = validateConfigPatch(candidate);
        if (!result.ok) {
          expect(result.issues.length).toBeGreaterThan(0);
          return;
        }
        expect(clusterSettingsSchema.partial().strict().safeParse(result.cluster).success).toBe(true);
        expect(nodeSettingsSchema.partial().strict().safeParse(result.node).success).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('a patch with any key it does not know is refused, naming that key', () => {
    fc.assert(
      fc.property(patch, fc.string({ minLength: 1 }).filter((k) => !(keys as readonly string[]).includes(k)), hostileValue, (base, unknown, value) => {
        const result = validateConfigPatch({ ...base, [unknown]: value });
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.issues.some((i) => i.key === unknown && i.reason === 'unknown_key')).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('parseConfigFile never throws, whatever JSON a config file holds', () => {
    fc.assert(
      fc.property(fc.oneof(patch, fc.jsonValue(), fc.anything()), (json) => {
        const result = parseConfigFile(json);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
