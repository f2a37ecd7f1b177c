/**
 * What the import call itself changes in a job, so the read-back check expects it: `params` and
 * `jobsParam` set the value of a parameter of that name or add one of type `variable`,
 * `executeUser` becomes `basicConfig.executeUser`, and `resources` rebinds the fields of
 * REBIND_FIELDS (reference §5, §18; the exact rules are (inferred), as in the emulator).
 */
import { REBIND_FIELDS } from '../api/service-inferred.js';
import { JsonNumber } from '../archive/json-exact.js';

export interface ImportCallEffects {
  params?: Record<string, string>;
  /** Per job name. */
  jobParams?: { name: string; params: Record<string, string> }[];
  executeUser?: string;
  resources?: { name: string; type: string; replace: string }[];
}

function setParams(job: Record<string, unknown>, values: Record<string, string>): void {
  const params = Array.isArray(job.params) ? (job.params as Record<string, unknown>[]).map((p) => ({ ...p })) : [];
  for (const [name, value] of Object.entries(values)) {
    const existing = params.find((p) => p?.name === name);
    if (existing) existing.value = value;
    else params.push({ name, value, type: 'variable' });
  }
  job.params = params;
}

function rebind(value: unknown, rules: { name: string; type: string; replace: string }[]): unknown {
  if (Array.isArray(value)) return value.map((v) => rebind(v, rules));
  if (value === null || typeof value !== 'object' || value instanceof JsonNumber) return value;
  const obj: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) obj[k] = rebind(v, rules);
  for (const rule of rules) {
    const fields = REBIND_FIELDS[rule.type] ?? [];
    if (typeof obj.name === 'string' && fields.includes(obj.name) && obj.value === rule.name) obj.value = rule.replace;
    for (const f of fields) if (obj[f] === rule.name) obj[f] = rule.replace;
  }
  return obj;
}

/** The job as the import call leaves it (a copy). */
export function jobAfterImportCall(name: string, json: Record<string, unknown>, effects: ImportCallEffects): Record<string, unknown> {
  let job = { ...json };
  const perJob = effects.jobParams?.find((p) => p.name === name)?.params;
  if (effects.params && Object.keys(effects.params).length > 0) setParams(job, effects.params);
  if (perJob) setParams(job, perJob);
  if (effects.executeUser !== undefined) job.basicConfig = { ...((job.basicConfig as Record<string, unknown>) ?? {}), executeUser: effects.executeUser };
  if (effects.resources && effects.resources.length > 0) job = rebind(job, effects.resources) as Record<string, unknown>;
  return job;
}

/** A script as the import call leaves it (only `resources` touches scripts). */
export function scriptAfterImportCall(json: Record<string, unknown>, effects: ImportCallEffects): Record<string, unknown> {
  return effects.resources && effects.resources.length > 0 ? (rebind(json, effects.resources) as Record<string, unknown>) : json;
}
