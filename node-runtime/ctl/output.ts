// What dfsctl prints on stdout: JSON (-o json, for scripts: one document per command) or an
// aligned table (-o table, the default, for people). Messages and progress go to stderr.

export type OutputFormat = 'json' | 'table';

export interface Column<T> {
  readonly title: string;
  readonly value: (row: T) => unknown;
}

export class Output {
  constructor(
    readonly format: OutputFormat,
    private readonly write: (text: string) => void = (text) => process.stdout.write(text),
  ) {}

  /** `data` as JSON, or `rows` as a table with these columns. */
  table<T>(data: unknown, rows: readonly T[], columns: readonly Column<T>[]): void {
    if (this.format === 'json') return this.json(data);
    const cells = rows.map((row) => columns.map((c) => cellText(c.value(row))));
    const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => r[i]!.length)));
    const line = (values: readonly string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
    this.write(`${[line(columns.map((c) => c.title.toUpperCase())), ...cells.map(line)].join('\n')}\n`);
  }

  /** One record: JSON, or "key: value" lines. */
  record(data: Readonly<Record<string, unknown>>): void {
    if (this.format === 'json') return this.json(data);
    const width = Math.max(0, ...Object.keys(data).map((k) => k.length));
    this.write(Object.entries(data).map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${cellText(v)}\n`).join(''));
  }

  json(data: unknown): void {
    this.write(`${JSON.stringify(data, null, 2)}\n`);
  }
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
