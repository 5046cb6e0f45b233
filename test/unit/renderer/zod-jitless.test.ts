import { afterEach, describe, expect, it } from 'vitest';

const RealFunction = globalThis.Function;

afterEach(() => {
  globalThis.Function = RealFunction;
});

describe('renderer startup', () => {
  it('keeps zod from probing `new Function`, which the app’s CSP reports as a violation', async () => {
    let compiled = 0;
    globalThis.Function = new Proxy(RealFunction, {
      construct(target, args: unknown[]) {
        compiled += 1;
        return Reflect.construct(target, args) as object;
      },
    });
    await import('../../../renderer/src/zod-jitless');
    const { statsSchema } = await import('../../../node-runtime/common/api-types');
    const { validateFileName } = await import('../../../node-runtime/common/file-name');
    expect(statsSchema.safeParse({}).success).toBe(false);
    expect(validateFileName('docs/a.txt').ok).toBe(true);
    expect(compiled).toBe(0);
  });
});
