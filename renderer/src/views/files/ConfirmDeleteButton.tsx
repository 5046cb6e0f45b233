// "Delete", then "Really?" in its place: one more click to confirm, leaving it cancels.
import { useState } from 'react';

export function ConfirmDeleteButton({ label, disabled, onConfirm, children = 'Delete' }: { label: string; disabled: boolean; onConfirm: () => void; children?: string }) {
  const [confirming, setConfirming] = useState(false);
  return confirming ? (
    <button
      type="button"
      className="btn btn-small btn-danger"
      aria-label={`Confirm delete ${label}`}
      autoFocus
      onBlur={() => setConfirming(false)}
      onClick={() => {
        setConfirming(false);
        onConfirm();
      }}
    >
      Really?
    </button>
  ) : (
    <button type="button" className="btn btn-small btn-danger" aria-label={`Delete ${label}`} disabled={disabled} onClick={() => setConfirming(true)}>
      {children}
    </button>
  );
}
