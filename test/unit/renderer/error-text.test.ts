// A failure as the dashboard words it, in one voice: a plain reason, the node's detail as its own
// sentence (settings called what the Configuration view calls them), then what to do.
import { describe, expect, it } from 'vitest';
import { rejectionToApiError } from '../../../node-runtime/fsm/outcomes';
import { describeFailure } from '../../../renderer/src/format/error-text';

describe('describeFailure', () => {
  it('names a setting by its label, not its API key, in a node’s own refusal', () => {
    const refusal = rejectionToApiError({ code: 'file_too_large', name: 'big', size: 101, limit: 100, setting: 'maxFileBytes' });
    expect(describeFailure(refusal.error, refusal.detail)).toBe('File too large. File "big" is 101 B, over the maximum file size of 100 B (setting “Largest file”).');
    expect(describeFailure('disk_full', 'node 2 keeps 1 GiB of disk free (setting diskReserveBytes) and has 512 MiB; refusing new chunks')).toBe(
      'Disk full. Node 2 keeps 1 GiB of disk free (setting “Disk kept free”) and has 512 MiB; refusing new chunks. Free disk space on that node, then try again.',
    );
  });

  it('leaves words that only look like a setting alone, and says the reason alone without a detail', () => {
    expect(describeFailure('bad_request', 'setting notASetting is unknown')).toBe('Bad request. Setting notASetting is unknown.');
    expect(describeFailure('no_quorum', '')).toBe('No quorum — too few nodes are up to accept writes.');
  });

  it('speaks in sentences: capitals and full stops, a name kept as written, and the next step where there is one', () => {
    expect(describeFailure('locked', 'a.txt is locked by alice')).toBe('File is locked. a.txt is locked by alice. Try again when the lock expires, or ask its holder to release it.');
    expect(describeFailure('quota_exceeded', 'the cluster quota is full')).toBe('Quota exceeded. The cluster quota is full. Delete files or raise the storage quota in Configuration.');
    expect(describeFailure('network', 'fetch failed.')).toBe('No answer from the cluster manager. Fetch failed. Check that the manager is still running, then try again.');
    for (const code of ['quota_exceeded', 'disk_full', 'no_quorum', 'name_invalid', 'file_too_large', 'locked', 'not_found', 'unauthorized', 'timeout', 'unavailable', 'config_invalid', 'conflict', 'network', 'some_new_code']) {
      const text = describeFailure(code, 'the node said no');
      expect(text, code).toMatch(/^[A-Z][^:]*\. The node said no\.( [A-Z][^.]*\.)?$/);
    }
  });
});
