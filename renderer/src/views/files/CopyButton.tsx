// Copies a text to the clipboard and says so for a moment.
import { useEffect, useState } from 'react';

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <button
      type="button"
      className="btn btn-small"
      aria-label={label}
      onClick={() => {
        // The clipboard needs a secure context and focus; say so instead of pretending.
        if (navigator.clipboard === undefined) setState('failed');
        else navigator.clipboard.writeText(text).then(() => setState('copied'), () => setState('failed'));
      }}
    >
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Not copied: select the text and copy it' : 'Copy'}</span>
    </button>
  );
}
