/**
 * The environment map's public API (issue 6): the inventory of external references, the map from
 * config and flags, and the reference plan the import applies. The import command calls
 * `planReferences` while planning, joins `blocked` into its refusals, passes every entry of the
 * staged copy through `rewriteEntry`, and sends `importResources` as the import call's `resources`.
 */
export type { Reference, ReferencePlan } from './types.js';
export { inventory } from './inventory.js';
export { parseMapFlags, resolveEnvironmentMap } from './environment-map.js';
export { planReferences } from './plan.js';
