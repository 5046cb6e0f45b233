// A failure as the dashboard words it: a plain reason first, then the node's detail, with the
// settings it names called what the Configuration view calls them.
import { describe, expect, it } from 'vitest';
import { rejectionToApiError } from '../../../node-runtime/fsm/outcomes';
import { describeFailure } from '../../../renderer/src/format/error-text';

describe('describeFailure', () => {
  it('names a setting by its label, not its API key, in a node’s own refusal', () => {
    const refusal = rejectionToApiError({ code: 'file_too_large', name: 'big', size: 101, limit: 100, setting: 'maxFileBytes' });
    expect(describeFailure(refusal.error, refusal.detail)).toBe('File too large: file "big" is 101 B, over the maximum file size of 100 B (setting “Largest file”)');
    expect(describeFailure('disk_full', 'node 2 keeps 1 GiB of disk free (setting diskReserveBytes) and has 512 MiB; refusing new chunks')).toBe(
      'Disk full: node 2 keeps 1 GiB of disk free (setting “Disk kept free”) and has 512 MiB; refusing new chunks',
    );
  });

  it('leaves words that only look like a setting alone, and says the reason alone without a detail', () => {
    expect(describeFailure('bad_request', 'setting notASetting is unknown')).toBe('bad request: setting notASetting is unknown');
    expect(describeFailure('no_quorum', '')).toBe('No quorum — too few nodes are up to accept writes');
  });
});
