// A distinct colour per term, so "which election wrote this" reads at a glance (as in RaftScope).

/** OKLCH → sRGB hex (Björn Ottosson's matrices), clipped to the sRGB gamut. */
function oklchToHex(l: number, c: number, hueDeg: number): string {
  const a = c * Math.cos((hueDeg * Math.PI) / 180);
  const b = c * Math.sin((hueDeg * Math.PI) / 180);
  const l3 = (l + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m3 = (l - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s3 = (l - 0.0894841775 * a - 1.291485548 * b) ** 3;
  const linear = [
    4.0767416621 * l3 - 3.3077115913 * m3 + 0.2309699292 * s3,
    -1.2684380046 * l3 + 2.6097574011 * m3 - 0.3413193965 * s3,
    -0.0041960863 * l3 - 0.7034186147 * m3 + 1.707614701 * s3,
  ];
  const encoded = linear.map((v) => {
    const x = Math.min(1, Math.max(0, v));
    return Math.round(255 * (x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055));
  });
  return `#${encoded.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The golden angle spreads consecutive terms far apart on the colour wheel. One OKLCH lightness
 * for every hue (HSL's 46 % made yellow terms a pale mustard): white labels keep about 6:1
 * contrast (WCAG AA asks 4.5:1), which test/unit/renderer/contrast.test.ts checks term by term.
 */
export function termColour(term: number | null): string {
  if (term === null || term < 0) return 'var(--text-muted)';
  return oklchToHex(0.5, 0.14, (term * 137.508) % 360);
}
