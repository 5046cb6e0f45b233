// config get [KEY…] and config set KEY=VALUE…: the cluster's and the answering node's settings.
// Values with a unit may be written as people write them ("20 GiB", "300 ms"); a set is one
// request, so the node applies all of it or none.
import type { ConfigView } from '../../common/api-types';
import { parseSetting, unitOf } from '../../common/setting-units';
import type { Ctl } from '../context';
import { CtlError, EXIT } from '../exit-codes';

export async function configGet(ctl: Ctl, keys: readonly string[]): Promise<void> {
  const view = await ctl.client.json<ConfigView>({ path: '/config' });
  const unknown = keys.filter((k) => !(k in view));
  if (unknown.length > 0) throw new CtlError(EXIT.notFound, `no such setting: ${unknown.join(', ')}`);
  const shown = Object.entries(view).filter(([k]) => keys.length === 0 || keys.includes(k));
  const rows = shown.map(([key, entry]) => ({ key, ...entry }));
  ctl.out.table(Object.fromEntries(shown), rows, [
    { title: 'key', value: (r) => r.key },
    { title: 'value', value: (r) => r.value },
    { title: 'scope', value: (r) => r.scope },
    { title: 'source', value: (r) => r.source },
  ]);
}

/** "KEY=VALUE" → the JSON value the node expects: units read, booleans and numbers typed. */
export function parseAssignment(text: string): [string, number | boolean | string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new CtlError(EXIT.usage, `expected KEY=VALUE, got "${text}"`);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  if (unitOf(key) !== undefined) {
    const parsed = parseSetting(key, raw);
    if (!parsed.ok) throw new CtlError(EXIT.usage, `${key}: ${parsed.message}`);
    return [key, parsed.value];
  }
  if (raw === 'true' || raw === 'false') return [key, raw === 'true'];
  if (/^-?\d+(\.\d+)?$/.test(raw)) return [key, Number(raw)];
  return [key, raw];
}

export async function configSet(ctl: Ctl, assignments: readonly string[]): Promise<void> {
  const patch = Object.fromEntries(assignments.map(parseAssignment));
  await ctl.client.json({ method: 'PUT', path: '/config', headers: { 'content-type': 'application/json' }, body: () => Buffer.from(JSON.stringify(patch)) });
  ctl.out.record(patch);
}
