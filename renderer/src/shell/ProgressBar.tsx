// A labelled progress bar; `value` of null means "unknown total" (indeterminate).
export function ProgressBar({
  label,
  value,
  max = 100,
  valueText,
  tone,
}: {
  label: string;
  value: number | null;
  max?: number;
  valueText?: string;
  tone?: 'ok' | 'warn' | 'bad';
}) {
  const fraction = value === null || max <= 0 ? 0 : Math.min(1, Math.max(0, value / max));
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value === null ? undefined : Math.round(value)}
      aria-valuetext={valueText}
      className={`progress${tone === undefined ? '' : ` progress-${tone}`}`}
    >
      <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(2)}%` }} />
    </div>
  );
}
