// The last node/cluster command that failed, until dismissed or the same command succeeds.
import { useApp } from '../store/context';

export function CommandFailureAlert() {
  const failure = useApp((s) => s.commandFailure);
  const dismiss = useApp((s) => s.dismissCommandFailure);
  if (failure === null) return null;
  return (
    <div role="alert" className="banner banner-bad">
      <p>
        Could not {failure.what}. {failure.message}
      </p>
      <button type="button" className="btn" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}
