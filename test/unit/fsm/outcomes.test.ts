import { describe, expect, it } from 'vitest';
import { apiErrorBodySchema, httpStatusOf } from '../../../node-runtime/common/errors';
import { rejectionToApiError, type Rejection } from '../../../node-runtime/fsm/outcomes';

const everyRejection: Rejection[] = [
  { code: 'bad_request', detail: 'chunk sizes add up to 3 bytes, not the file size 4' },
  { code: 'name_invalid', name: '../x', problem: 'dot_segment', detail: 'file name must not contain a ".." segment' },
  { code: 'not_found', name: 'a' },
  { code: 'conflict', name: 'a', expectedVersion: 3, actualVersion: 5 },
  { code: 'file_too_large', name: 'a', size: 11, limit: 10 },
  { code: 'file_too_large', name: 'a', size: 11, limit: 10, setting: 'maxFileBytes' },
  { code: 'quota_exceeded', name: 'a', used: 9, limit: 10, requested: 2 },
  { code: 'locked', name: 'a', owner: 'alice', expiresAt: Date.UTC(2026, 0, 1) },
  { code: 'lock_token_invalid', name: 'a', reason: 'no_active_lock' },
  { code: 'lock_token_invalid', name: 'a', reason: 'token_mismatch' },
  { code: 'config_invalid', detail: 'chunkSize: too small' },
];

describe('rejectionToApiError', () => {
  it.each(everyRejection.map((r) => [r.code, r] as const))('turns %s into a valid API error body', (code, rejection) => {
    const body = rejectionToApiError(rejection);
    expect(apiErrorBodySchema.parse(body)).toEqual(body);
    expect(body.error).toBe(code);
    expect(body.detail.length).toBeGreaterThan(0);
    expect(httpStatusOf(body.error)).toBeGreaterThanOrEqual(400);
  });

  it('gives the numbers and names a person needs', () => {
    expect(rejectionToApiError({ code: 'quota_exceeded', name: 'a.bin', used: 9, limit: 10, requested: 2 }).detail).toBe(
      'storing "a.bin" (2 B) would exceed the quota: 9 B of 10 B used, 1 B free',
    );
    expect(rejectionToApiError({ code: 'locked', name: 'a', owner: 'alice', expiresAt: Date.UTC(2026, 0, 1) }).detail).toBe(
      '"a" is locked by alice until 2026-01-01T00:00:00.000Z',
    );
    expect(rejectionToApiError({ code: 'conflict', name: 'a', expectedVersion: 3, actualVersion: 5 }).detail).toBe('file "a" is at version 5, not 3');
  });
});
