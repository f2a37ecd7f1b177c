/**
 * `--seed-secrets`: jobs that carry credentials the way users paste them, to try and test the
 * secrets scan of every archive the tool writes (contract "Secrets in what is exported"). Four
 * jobs each hold one planted secret; a fifth holds only references and empty sensitive values,
 * which are not secrets. The values are distinctive so a test can search every output for them.
 */
import type { EmulatorState } from './state.js';

export const PLANTED_SECRETS = {
  /** A node property the console flags `value_is_sensitive`. */
  sensitiveProperty: 'PlantedSensitive-Qx7Lm2Vb9',
  /** The password in a JDBC URL's user-info part. */
  jdbcPassword: 'PlantedJdbcPw-Hk4Rt8Zn',
  /** `IDENTIFIED BY '…'` in a SQL script. */
  sqlPassword: 'PlantedSqlPw-Wd3Yc6Fp',
  /** A Huawei Cloud AK/SK pair pasted into job parameters (the SK is the secret). */
  accessKey: 'PLANTEDAK7Q2W4E6R8T0',
  secretKey: 'PlantedSk7Hq2Lm9Vx4Rb8Nc3Jd6Wf1Zt5Gy0Ks2',
} as const;

export const SECRET_JOBS = ['secrets_aksk_param', 'secrets_jdbc_url', 'secrets_sensitive_property', 'secrets_sql_script'] as const;
export const CLEAN_REFERENCE_JOB = 'secrets_clean_refs';

function node(name: string, type: string, properties: Record<string, unknown>[]) {
  return { name, type, location: { x: '100', y: '120' }, preNodeName: [], conditions: [], properties, pollingInterval: 20, maxExecutionTime: 360, retryTimes: 0, retryInterval: 120, failPolicy: 'FAIL' };
}

function job(name: string, nodes: ReturnType<typeof node>[], params: Record<string, unknown>[] = []) {
  return {
    name,
    nodes,
    schedule: { type: 'EXECUTE_ONCE' },
    params,
    directory: '/secrets',
    processType: 'BATCH',
    basicConfig: { owner: 'emulator', priority: 0, executeUser: '', instanceTimeout: 0, customFields: {}, tags: [] },
    description: 'seeded by --seed-secrets',
  };
}

export function seedSecretJobs(state: EmulatorState, wsId: string): void {
  const s = PLANTED_SECRETS;
  state.putScript(wsId, {
    name: 'secrets_create_user',
    type: 'DWSSQL',
    content: `-- the loader's account\nCREATE USER loader IDENTIFIED BY '${s.sqlPassword}';\nGRANT SELECT ON sales.orders TO loader;\n`,
    directory: '/secrets', connectionName: 'dev_dws', database: 'dws_demo', description: '',
  });
  state.putScript(wsId, {
    name: 'secrets_create_user_ref',
    type: 'DWSSQL',
    content: `CREATE USER loader IDENTIFIED BY '\${loader_password}';\nALTER USER loader PASSWORD '\${loader_password}';\n`,
    directory: '/secrets', connectionName: 'dev_dws', database: 'dws_demo', description: '',
  });
  const sql = (script: string) => node('sql_1', 'DWSSQL', [{ name: 'scriptName', value: script }, { name: 'connectionName', value: 'dev_dws' }, { name: 'database', value: 'dws_demo' }]);
  state.putJob(wsId, job('secrets_sensitive_property', [node('rest_1', 'RESTAPI', [
    { name: 'url', value: 'https://api.example.com/v1/orders' },
    { name: 'password', value: s.sensitiveProperty, value_is_sensitive: true },
  ])]));
  state.putJob(wsId, job('secrets_jdbc_url', [node('cdm_1', 'CDMJob', [
    { name: 'clusterName', value: 'dev_cdm' },
    { name: 'url', value: `jdbc:mysql://etl_user:${s.jdbcPassword}@10.0.0.5:3306/sales?useSSL=true` },
  ])]));
  state.putJob(wsId, job('secrets_sql_script', [sql('secrets_create_user')]));
  state.putJob(wsId, job('secrets_aksk_param', [sql('secrets_create_user_ref')], [
    { name: 'obs_ak', value: s.accessKey, type: 'variable' },
    { name: 'obs_sk', value: s.secretKey, type: 'variable' },
  ]));
  state.putJob(wsId, job(CLEAN_REFERENCE_JOB, [node('rest_1', 'RESTAPI', [
    { name: 'url', value: 'jdbc:mysql://etl_user:${db_password}@10.0.0.5:3306/sales' },
    { name: 'password', value: '', value_is_sensitive: true },
    { name: 'token', value: '${api_token}', value_is_sensitive: true },
    { name: 'headers', value: 'Authorization: Bearer ${api_token}' },
  ]), sql('secrets_create_user_ref')], [
    { name: 'password', value: '${password}', type: 'variable' },
    { name: 'db_password', value: '', type: 'variable' },
    { name: 'yesterday', value: '#{Job.getYesterday("yyyy-MM-dd")}', type: 'variable' },
  ]));
}
