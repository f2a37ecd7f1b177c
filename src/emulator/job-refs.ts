/** What a job uses: scripts and resources named in its node properties (reference §9/§18). */
import { RESOURCE_REF_PROPERTY, SCRIPT_REF_PROPERTY } from './service-readings.js';

function propertyValues(job: Record<string, unknown>, property: string): string[] {
  const out = new Set<string>();
  const nodes = Array.isArray(job.nodes) ? job.nodes : [];
  for (const node of nodes as Record<string, unknown>[]) {
    const props = Array.isArray(node?.properties) ? (node.properties as Record<string, unknown>[]) : [];
    for (const p of props) if (p?.name === property && typeof p.value === 'string' && p.value !== '') out.add(p.value);
  }
  return [...out];
}

export function scriptsOf(job: Record<string, unknown>): string[] {
  return propertyValues(job, SCRIPT_REF_PROPERTY);
}

/** (inferred) resources are named by a `resourceName` node property. */
export function resourcesOf(job: Record<string, unknown>): string[] {
  return propertyValues(job, RESOURCE_REF_PROPERTY);
}
