/**
 * Deterministic seeding: the same seed gives the same jobs, scripts, resources and connections.
 * Job files look like console exports (reference §9): pretty-printed, with unknown extra keys and
 * a console id beyond 2^53.
 */
import { Prng } from './prng.js';
import type { EmulatorState } from './state.js';

const TIME_ZONES = ['Asia/Shanghai', 'Europe/Paris', 'America/New_York', 'GMT+08:00', 'GMT-5', 'UTC', 'Asia/Shanghai', 'Asia/Shanghai'];
const DIRECTORIES = ['/finance/daily', '/finance/monthly', '/ops', '/ods/sales', '/dwd/orders', '/'];
export const SEED_CONNECTIONS = [
  { name: 'dev_dws', type: 'DWS' },
  { name: 'dev_dli', type: 'DLI' },
  { name: 'dev_hive', type: 'HIVE' },
  { name: 'dev_spark', type: 'SparkSQL' },
  { name: 'dev_rds', type: 'RDS' },
];
const SQL_KINDS = [
  { nodeType: 'DWSSQL', scriptType: 'DWSSQL', connection: 'dev_dws', database: 'dws_demo' },
  { nodeType: 'DLISQL', scriptType: 'DLISQL', connection: 'dev_dli', database: 'dli_demo' },
  { nodeType: 'HiveSQL', scriptType: 'HiveSQL', connection: 'dev_hive', database: 'hive_demo' },
  { nodeType: 'SparkSQL', scriptType: 'SparkSQL', connection: 'dev_spark', database: 'spark_demo' },
];
const DAY_MS = 24 * 60 * 60 * 1000;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** A node at position `index` of its job, after the nodes named in `pre`. */
function baseNode(node: { name: string; type: string; index: number }, properties: { name: string; value: string }[], pre: string[]) {
  const { name, type, index } = node;
  return {
    name,
    type,
    location: { x: String(100 + index * 200), y: '120' },
    preNodeName: pre,
    conditions: [],
    properties,
    pollingInterval: 20,
    maxExecutionTime: 360,
    retryTimes: 0,
    retryInterval: 120,
    failPolicy: 'FAIL',
    execTimeOutRetry: 'false',
    resouces: [],
  };
}

/** Seed `count` jobs (with their scripts, resources and connections) into workspace `wsId`. */
export function seedWorkspace(state: EmulatorState, wsId: string, count: number, seed: number): void {
  const rng = new Prng(seed);
  state.addWorkspace(wsId);
  for (const c of SEED_CONNECTIONS) state.addConnection(wsId, c);
  const scriptCount = Math.max(3, Math.ceil(count / 3));
  const scripts: { name: string; kind: (typeof SQL_KINDS)[number] }[] = [];
  for (let i = 1; i <= scriptCount; i++) {
    const kind = rng.pick(SQL_KINDS);
    const name = `script_${pad(i, 5)}`;
    scripts.push({ name, kind });
    state.putScript(wsId, {
      name,
      type: kind.scriptType,
      content: `-- seeded script ${name}\nINSERT INTO ${kind.database}.target_${i % 17}\nSELECT * FROM ${kind.database}.source_${i % 13} WHERE dt = '\${yesterday}';\n`,
      directory: rng.pick(DIRECTORIES),
      connectionName: kind.connection,
      database: kind.database,
      ...(kind.scriptType === 'DLISQL' ? { queueName: 'dev_queue', configuration: {} } : {}),
      description: '',
    });
  }
  const resourceCount = Math.max(1, Math.floor(count / 20));
  for (let i = 1; i <= resourceCount; i++) {
    state.putResource(wsId, { name: `res_udf_${pad(i, 3)}`, type: 'jar', location: `obs://dataarts-staging/resources/udf_${i}.jar`, dependFiles: [], desc: 'seeded UDF jar', directory: '/udf' });
  }
  const now = state.now();
  for (let i = 1; i <= count; i++) {
    const name = `job_${pad(i, 5)}`;
    const realTime = rng.chance(0.15);
    const nodeCount = rng.int(1, 3);
    const nodes: ReturnType<typeof baseNode>[] = [];
    const tz = rng.pick(TIME_ZONES);
    for (let n = 0; n < nodeCount; n++) {
      const pre = n === 0 ? [] : [nodes[n - 1]!.name];
      const roll = rng.next();
      let node: ReturnType<typeof baseNode> & { cronTrigger?: unknown };
      if (roll < 0.15) {
        node = baseNode({ name: `cdm_${n + 1}`, type: 'CDMJob', index: n }, [
          { name: 'clusterName', value: 'dev_cdm' },
          { name: 'jobName', value: `cdm_job_${pad(rng.int(1, 50), 3)}` },
        ], pre);
      } else if (roll < 0.22 && resourceCount > 0) {
        node = baseNode({ name: `spark_${n + 1}`, type: 'DLISpark', index: n }, [
          { name: 'resourceName', value: `res_udf_${pad(rng.int(1, resourceCount), 3)}` },
          { name: 'queueName', value: 'dev_queue' },
          { name: 'className', value: 'com.example.Main' },
        ], pre);
      } else {
        // Scripts are shared: several jobs draw from the same pool.
        const script = rng.pick(scripts);
        const props = [
          { name: 'scriptName', value: script.name },
          { name: 'connectionName', value: script.kind.connection },
          { name: 'database', value: script.kind.database },
          { name: 'scriptArgs', value: `dt=\${yesterday}` },
        ];
        if (script.kind.nodeType === 'DLISQL') props.push({ name: 'queueName', value: 'dev_queue' });
        node = baseNode({ name: `sql_${n + 1}`, type: script.kind.nodeType, index: n }, props, pre);
      }
      if (realTime) {
        node.cronTrigger = {
          startTime: '2024-01-01T00:00:00+08',
          expression: `0 ${rng.int(0, 59)} * * * ?`,
          expressionTimeZone: tz,
          period: '1 hours',
          dependPrePeriod: false,
          concurrent: 1,
        };
      }
      nodes.push(node);
    }
    const hour = rng.int(0, 23);
    const job = {
      name,
      nodes,
      schedule: realTime
        ? { type: 'EXECUTE_ONCE' }
        : {
            type: 'CRON',
            cron: {
              startTime: '2024-01-01T00:00:00+08',
              expression: `0 ${rng.int(0, 59)} ${hour} * * ?`,
              expressionTimeZone: tz,
              intervalType: 'days',
              dependPrePeriod: false,
              dependJobs: { jobs: [], dependPeriod: 'SAME_PERIOD', dependFailPolicy: 'FAIL' },
              concurrent: 1,
              calendarScheduling: false,
            },
            requireManualConfirmBeforeExecute: false,
            scheduleOffset: 0,
          },
      params: [
        { name: 'env', value: 'dev', type: 'variable' },
        { name: 'yesterday', value: '#{Job.getYesterday("yyyy-MM-dd")}', type: 'variable' },
      ],
      directory: rng.pick(DIRECTORIES),
      processType: realTime ? 'REAL_TIME' : 'BATCH',
      singleNodeJobFlag: false,
      lastUpdateUser: state.defaultUser,
      logPath: 'obs://dataarts-staging/logs/',
      basicConfig: {
        owner: state.defaultUser,
        priority: rng.int(0, 2),
        executeUser: '',
        instanceTimeout: 0,
        customFields: {},
        isIgnoreWaiting: 0,
        tags: rng.chance(0.2) ? ['seeded', rng.pick(['finance', 'ops', 'sales'])] : [],
      },
      description: `seeded job ${i}`,
      maskedParams: [],
      runAtOnceAfterIncubate: false,
      useCdmCache: false,
      version: rng.int(1, 9),
      // Console ids exceed 2^53; kept verbatim in the text (JSON.parse would round them).
      taskWorkGroupId: '__BIGID__',
    };
    const bigId = `11${pad(rng.int(0, 99999999), 8)}${pad(rng.int(0, 999999999), 9)}`;
    const text = JSON.stringify(job, null, 2).replace('"__BIGID__"', bigId);
    const status = realTime ? (rng.chance(0.3) ? 'NORMAL' : 'STOPPED') : rng.chance(0.25) ? 'SCHEDULING' : 'STOPPED';
    const lastUpdateTime = now - Math.floor(rng.next() * 30 * DAY_MS);
    state.putJob(wsId, text, {
      status,
      createTime: lastUpdateTime - Math.floor(rng.next() * 60 * DAY_MS),
      lastUpdateTime,
      submittedText: text,
    });
  }
}
