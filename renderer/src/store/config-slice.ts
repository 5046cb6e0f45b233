// The live configuration editor: edits are drafts until applied; validation errors (ours first,
// then the server's `config_invalid`) are kept per key; the last apply says what changed.
import type { ConfigEntry } from '../../../node-runtime/common/api-types';
import { CLUSTER_DEFAULTS, type ClusterSettings, validateConfigPatch } from '../../../node-runtime/common/config';
import { parseSetting } from '../../../node-runtime/common/setting-units';
import { asRequestError } from '../api/request-error';
import { describeFailure } from '../format/error-text';
import { settingText, settingsFor } from './config-derive';
import type { AppliedChange, ConfigData, ConfigSlice, SliceCreator } from './state';

const EMPTY_CONFIG: ConfigData = { target: 'cluster', drafts: {}, errors: {}, formError: null, applying: false, lastApplied: null };

/** Turns typed text into the setting's type, judged by its current value; numbers in human units. */
function parseDraft(key: string, text: string, current: ConfigEntry['value']): { ok: true; value: ConfigEntry['value'] } | { ok: false; message: string } {
  if (typeof current === 'number') return parseSetting(key, text);
  if (typeof current === 'boolean') return { ok: true, value: text === 'true' };
  return { ok: true, value: text };
}

/** Splits a config_invalid detail ("key: message; key2: message") into per-key messages. */
export function issuesFromDetail(detail: string, knownKeys: ReadonlySet<string>): { byKey: Record<string, string>; rest: string[] } {
  const byKey: Record<string, string> = {};
  const rest: string[] = [];
  for (const part of detail.split('; ')) {
    const match = /^([A-Za-z][\w.]*): (.+)$/.exec(part);
    if (match?.[1] !== undefined && match[2] !== undefined && knownKeys.has(match[1])) byKey[match[1]] = match[2];
    else if (part.trim() !== '') rest.push(part);
  }
  return { byKey, rest };
}

export const createConfigSlice: SliceCreator<ConfigSlice> = (set, get, deps) => {
  const request = deps.api.request.bind(deps.api);
  const patch = (update: Partial<ConfigData>) => set((s) => ({ config: { ...s.config, ...update } }));

  return {
    config: EMPTY_CONFIG,

    setConfigTarget: (target) => patch({ target, drafts: {}, errors: {}, formError: null }),

    editSetting(key, value) {
      const { drafts, errors, target } = get().config;
      const current = settingsFor(get().liveSnapshot(), target).find(([k]) => k === key)?.[1];
      const { [key]: _oldDraft, ...otherDrafts } = drafts;
      const { [key]: _oldError, ...otherErrors } = errors;
      const unchanged = current !== undefined && settingText(key, current.value) === value;
      patch({ drafts: unchanged ? otherDrafts : { ...otherDrafts, [key]: value }, errors: otherErrors, formError: null });
    },

    discardConfigDrafts: () => patch({ drafts: {}, errors: {}, formError: null }),

    async applyConfig() {
      const { drafts, target, applying } = get().config;
      if (applying || Object.keys(drafts).length === 0) return;
      const current = new Map(settingsFor(get().liveSnapshot(), target));
      const body: Record<string, ConfigEntry['value']> = {};
      const errors: Record<string, string> = {};
      for (const [key, text] of Object.entries(drafts)) {
        const entry = current.get(key);
        if (entry === undefined) continue;
        const parsed = parseDraft(key, text, entry.value);
        if (parsed.ok) body[key] = parsed.value;
        else errors[key] = parsed.message;
      }
      if (Object.keys(errors).length === 0) {
        const clusterNow = { ...CLUSTER_DEFAULTS } as Record<string, unknown>;
        for (const [key, entry] of settingsFor(get().liveSnapshot(), 'cluster')) clusterNow[key] = entry.value;
        const local = validateConfigPatch(body, clusterNow as unknown as ClusterSettings);
        if (!local.ok) for (const issue of local.issues) errors[issue.key] = issue.message;
      }
      if (Object.keys(errors).length > 0) {
        patch({ errors, formError: null });
        return;
      }
      patch({ applying: true, errors: {}, formError: null });
      const path = target === 'cluster' ? '/api/config' : `/api/config?node=${target}`;
      try {
        await request('PUT', path, { body });
        const changes: AppliedChange[] = Object.entries(body).map(([key, value]) => ({
          key,
          from: settingText(key, current.get(key)?.value ?? ''),
          to: settingText(key, value),
        }));
        patch({ applying: false, drafts: {}, lastApplied: { target, at: deps.now(), changes } });
      } catch (err) {
        const failure = asRequestError(err);
        if (failure.code === 'config_invalid') {
          const { byKey, rest } = issuesFromDetail(failure.detail, new Set(current.keys()));
          patch({ applying: false, errors: byKey, formError: rest.length > 0 ? describeFailure(failure.code, rest.join('; ')) : null });
        } else {
          patch({ applying: false, formError: describeFailure(failure.code, failure.detail) });
        }
      }
    },
  };
};
