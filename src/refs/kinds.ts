/**
 * The one table of where jobs and scripts name things outside themselves, and how each kind is
 * rebound on import. The reference (addendum §18) lists the fields but says it is "not exhaustive"
 * and does not say which node types are CDM or MRS nodes: every row below that the reference does
 * not state outright is marked (inferred).
 */
import type { MapKind } from '../config/types.js';
import type { ReferenceKind } from './types.js';

/** Node property names that mean the same kind on every node type (reference §9, §18). */
export const NODE_PROPERTY_KINDS: Readonly<Record<string, ReferenceKind>> = {
  connectionName: 'connection',
  database: 'database',
  queueName: 'queue',
  scriptName: 'script',
  // (inferred, as the archive model reads it) a node names the resource (JAR, file) it uses `resourceName`.
  resourceName: 'resource',
  // (inferred) the Import GES node names its graph `graphName`.
  graphName: 'ges-graph',
  // (inferred) DIS nodes (DISTransferTask, DISClient) name their stream `streamName`.
  streamName: 'dis-stream',
};

/**
 * (inferred) CDM node types: their `clusterName` is a CDM cluster and `jobName` a CDM job on it.
 * Any node type starting with "CDM" counts too.
 */
const CDM_NODE_TYPES = new Set(['CDMJob', 'CloudDataMigration']);

/**
 * (inferred) MRS node types: their `clusterName` is an MRS cluster. Any node type starting with
 * "MRS" counts too. `jobName` on them is the MRS job's own label, not a reference.
 */
const MRS_NODE_TYPES = new Set(['MapReduce', 'HiveSQL', 'SparkSQL', 'SparkPython', 'HetuEngine', 'ImpalaSQL', 'ClickHouseSQL', 'PRESTO']);

function isCdmNode(type: string): boolean {
  return CDM_NODE_TYPES.has(type) || /^CDM/i.test(type);
}

function isMrsNode(type: string): boolean {
  return MRS_NODE_TYPES.has(type) || /^MRS/i.test(type);
}

/**
 * The kind a node property refers to, or undefined when it is not an external reference.
 * `clusterName` and `jobName` depend on the node type; on other node types they are left alone
 * (a SubJob's `jobName` is a job in the same archive, not an external resource).
 */
export function nodePropertyKind(nodeType: string, propertyName: string): ReferenceKind | undefined {
  const fixed = NODE_PROPERTY_KINDS[propertyName];
  if (fixed) return fixed;
  if (propertyName === 'clusterName') {
    if (isCdmNode(nodeType)) return 'cdm-cluster';
    if (isMrsNode(nodeType)) return 'mrs-cluster';
    return undefined;
  }
  if (propertyName === 'jobName' && isCdmNode(nodeType)) return 'cdm-job';
  return undefined;
}

/** Fields of a `.script` file that name something outside it (reference §10, §18). */
export const SCRIPT_FIELD_KINDS: Readonly<Record<string, MapKind>> = {
  connectionName: 'connection',
  database: 'database',
  queueName: 'queue',
};

/** Fields of a job's `basicConfig` (reference §9, §18). */
export const BASIC_CONFIG_KINDS: Readonly<Record<string, MapKind>> = {
  agency: 'agency',
  executeUser: 'execute-user',
};

/**
 * Fields of an event trigger (`schedule.event`, `nodes[].eventTrigger`) by event type.
 * The SDK's Event model has only `channel` ("DIS stream name"). (inferred) A KAFKA event names its
 * MRS Kafka connection in `connectionName` and its topic in `topic` (or `channel` when there is no
 * `topic`); OBS events name no resource we rebind.
 */
export function eventFieldKind(eventType: string, field: string, hasTopicField: boolean): ReferenceKind | undefined {
  const type = eventType.toUpperCase();
  if (type === 'DIS' && field === 'channel') return 'dis-stream';
  if (type === 'KAFKA') {
    if (field === 'connectionName') return 'connection';
    if (field === 'topic') return 'kafka-topic';
    if (field === 'channel' && !hasTopicField) return 'kafka-topic';
  }
  return undefined;
}

/**
 * The import API's `resources` rebinding types (reference §5, §18). Kinds missing here (queues,
 * databases, CDM jobs, agencies, execute users) have no rebinding: they are rewritten in the
 * staged copy only.
 */
export const REBIND_TYPES: Partial<Record<MapKind, string>> = {
  'dis-stream': 'DIS_STREAM',
  'cdm-cluster': 'CDM_CLUSTER',
  'mrs-cluster': 'MRS_CLUSTER',
  'ges-graph': 'GES_GRAPH',
};

/**
 * (inferred) The rebinding type of a data connection, from the target connection's type (the
 * connection list's `type`): Hive and Spark SQL connections have their own MRS types, everything
 * else (DWS, DLI, RDS, CloudTable, HOST, unknown) is sent as DWS_CONNECTION, the API's general
 * connection type.
 */
export function connectionRebindType(connectionType: string | undefined): string {
  switch ((connectionType ?? '').toUpperCase()) {
    case 'HIVE':
      return 'MRS_HIVE_CONNECTION';
    case 'SPARKSQL':
    case 'SPARK':
      return 'MRS_SPARK_CONNECTION';
    default:
      return 'DWS_CONNECTION';
  }
}

/** The kinds the tool checks against the service (only connections have a list API). */
export const CHECKED_KINDS: ReadonlySet<ReferenceKind> = new Set<ReferenceKind>(['connection']);
