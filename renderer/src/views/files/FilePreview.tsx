// A look inside a file without downloading it: the start of a text file, or an image.
import { useEffect, useState } from 'react';
import { describeFailure } from '../../format/error-text';
import { asRequestError } from '../../api/request-error';
import { useApp } from '../../store/context';

const TEXT = /\.(txt|md|markdown|json|csv|tsv|log|ya?ml|toml|ini|conf|cfg|xml|html?|css|m?[jt]sx?|py|go|rs|rb|java|c|h|cpp|hpp|sh|sql|env)$/i;
const IMAGE = /\.(png|jpe?g|gif|webp|avif|bmp|ico|svg)$/i;
/** Enough to see what a text file is about; the rest is a download away. */
export const TEXT_PREVIEW_BYTES = 64 * 1024;
/** Larger images are not worth pulling through the manager just to look at. */
const IMAGE_PREVIEW_MAX_BYTES = 20 * 1024 * 1024;

function TextPreview({ name, size }: { name: string; size: number }) {
  const readHead = useApp((s) => s.readFileHead);
  const [text, setText] = useState<{ ok: true; text: string } | { ok: false; message: string } | null>(null);
  useEffect(() => {
    let current = true;
    setText(null);
    readHead(name, TEXT_PREVIEW_BYTES).then(
      (t) => current && setText({ ok: true, text: t }),
      (err: unknown) => {
        const failure = asRequestError(err);
        if (current) setText({ ok: false, message: describeFailure(failure.code, failure.detail) });
      },
    );
    return () => {
      current = false;
    };
  }, [name, readHead]);
  if (text === null) return <p className="muted">Loading the preview…</p>;
  if (!text.ok) return <p className="error-text">Could not load the preview. {text.message}</p>;
  return (
    <>
      <pre className="preview-text" tabIndex={0} aria-label={`Start of ${name}`}>{text.text}</pre>
      {size > TEXT_PREVIEW_BYTES && <p className="muted">The first 64 KiB are shown.</p>}
    </>
  );
}

export function FilePreview({ name, size }: { name: string; size: number }) {
  const downloadUrl = useApp((s) => s.downloadUrl);
  if (TEXT.test(name)) return <TextPreview name={name} size={size} />;
  if (IMAGE.test(name) && size <= IMAGE_PREVIEW_MAX_BYTES) return <img className="preview-image" src={downloadUrl(name)} alt={`Preview of ${name}`} />;
  return <p className="muted">No preview for this kind of file.</p>;
}
