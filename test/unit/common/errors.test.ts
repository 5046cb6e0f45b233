import { describe, expect, it } from 'vitest';
import { ApiError, apiErrorBodySchema, ERROR_CODES, ERROR_STATUS, httpStatusOf } from '../../../node-runtime/common/errors';

describe('API errors', () => {
  it('maps every code to a 4xx or 5xx status', () => {
    for (const code of ERROR_CODES) {
      const status = httpStatusOf(code);
      expect(status >= 400 && status < 600, code).toBe(true);
    }
  });

  it('uses the statuses clients expect for the common cases', () => {
    expect(ERROR_STATUS.bad_request).toBe(400);
    expect(ERROR_STATUS.name_invalid).toBe(400);
    expect(ERROR_STATUS.not_found).toBe(404);
    expect(ERROR_STATUS.locked).toBe(423);
    expect(ERROR_STATUS.file_too_large).toBe(413);
    expect(ERROR_STATUS.range_not_satisfiable).toBe(416);
    expect(ERROR_STATUS.no_quorum).toBe(503);
    expect(ERROR_STATUS.unauthorized).toBe(401);
    expect(ERROR_STATUS.internal).toBe(500);
  });

  it('includes every code the brief names', () => {
    for (const code of [
      'bad_request', 'name_invalid', 'not_found', 'not_leader', 'no_quorum', 'quota_exceeded', 'file_too_large', 'locked',
      'lock_token_invalid', 'config_invalid', 'unauthorized', 'conflict', 'internal', 'unavailable', 'range_not_satisfiable', 'disk_full',
    ]) {
      expect(ERROR_CODES).toContain(code);
    }
  });

  it('parses error bodies and refuses unknown codes', () => {
    expect(apiErrorBodySchema.parse({ error: 'locked', detail: 'held by bob' })).toEqual({ error: 'locked', detail: 'held by bob' });
    expect(apiErrorBodySchema.safeParse({ error: 'teapot', detail: '' }).success).toBe(false);
    expect(apiErrorBodySchema.safeParse({ error: 'locked' }).success).toBe(false);
  });

  it('ApiError carries code, status and body', () => {
    const err = new ApiError('quota_exceeded', 'quota full');
    expect(err).toBeInstanceOf(Error);
    expect(err.status).toBe(507);
    expect(err.toBody()).toEqual({ error: 'quota_exceeded', detail: 'quota full' });
    expect(err.message).toBe('quota_exceeded: quota full');
  });
});
