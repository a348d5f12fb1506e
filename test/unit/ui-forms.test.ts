/** Form ↔ schema mapping of the config editor, and YAML sync both ways (comments kept, CLI messages on the fields). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import {
  chunkedSchema,
  faultsSchema,
  httpHealthCheckSchema,
  limitMatchSchema,
  streamHealthCheckSchema,
  formatConfigError,
  httpServerSchema,
  httpUpstreamSchema,
  limitSchema,
  loadConfig,
  proxySchema,
  respondSchema,
  ROUTE_KINDS,
  llmSchema,
  routeSchema,
  serverTlsSchema,
  sseScenarioSchema,
  sseSchema,
  sseStepSchema,
  staticSchema,
  streamSchema,
  streamServerSchema,
  uploadSchema,
  upstreamServerSchema,
  upstreamTlsSchema,
  type RouteKind,
} from '../../core/config/index.js';
import {
  changeRouteKind,
  defaultBody,
  errorsUnder,
  FAULT_FIELDS,
  httpsUrlOf,
  SERVER_H2_FIELDS,
  SERVER_TLS_FIELDS,
  UPSTREAM_TLS_FIELDS,
  HTTP_HEALTH_FIELDS,
  LIMIT_MATCH_FIELDS,
  STREAM_HEALTH_FIELDS,
  fieldValue,
  LIMIT_FIELDS,
  newRoute,
  readField,
  ROUTE_KIND_FIELDS,
  routeKindOf,
  routePath,
  SERVER_FIELDS,
  setSseMode,
  SSE_CHANNEL_FIELDS,
  SSE_SCENARIO_FIELDS,
  SSE_STEP_FIELDS,
  sseModeOf,
  STREAM_SERVER_FIELDS,
  UPSTREAM_FIELDS,
  UPSTREAM_SERVER_FIELDS,
  writeField,
  type FieldSpec,
  type Plain,
} from '../../renderer/src/model/forms.js';
import {
  createConfigStore,
  editText,
  EXAMPLE_CONFIG,
  NEW_CONFIG,
  validateText,
} from '../../renderer/src/model/config-doc.js';

const KIND_SCHEMAS: Record<RouteKind, z.ZodType> = {
  static: staticSchema,
  chunked: chunkedSchema,
  stream: streamSchema,
  upload: uploadSchema,
  respond: respondSchema,
  sse: sseSchema,
  proxy: proxySchema,
  llm: llmSchema,
};
const rate = LIMIT_FIELDS.find((f) => f.key === 'rate')!;
const num: FieldSpec = { key: 'status', label: 'Status', type: 'number' };
const bool: FieldSpec = { key: 'autoindex', label: 'x', type: 'bool' };

test('fields read as strings and write back as the user typed them: units kept, numbers as numbers, empty removes', () => {
  assert.equal(readField({ rate: '512k' }, rate), '512k');
  assert.equal(readField({ status: 404 }, num), '404');
  assert.equal(readField({}, num), '');
  assert.equal(readField({ autoindex: true }, bool), true);
  assert.equal(fieldValue(rate, '512k'), '512k');
  assert.equal(fieldValue(rate, '2048'), 2048);
  assert.equal(fieldValue(num, '201'), 201);
  assert.equal(fieldValue(num, 'abc'), 'abc', 'non-numbers stay so validation can name them');
  assert.deepEqual(writeField({ rate: '1m', burst: '64k' }, LIMIT_FIELDS[1]!, ''), { rate: '1m' });
  assert.deepEqual(writeField({}, bool, false), {});
  assert.deepEqual(writeField(undefined, bool, true), { autoindex: true });
  const ext = LIMIT_MATCH_FIELDS.find((x) => x.key === 'ext')!;
  assert.deepEqual(fieldValue(ext, ' mp4,zip , '), ['mp4', 'zip']);
  assert.equal(readField({ ext: ['mp4', 'zip'] }, ext), 'mp4, zip');
});

test('every route kind has a default body the schema accepts', () => {
  for (const kind of ROUTE_KINDS) {
    const route = newRoute(kind, '/x');
    const r = routeSchema.safeParse(route);
    assert.ok(r.success, `${kind}: ${JSON.stringify(r.error?.issues)}`);
    assert.equal(routeKindOf(route), kind);
  }
});

/** A plausible input per field type. */
function sampleInput(f: FieldSpec): string | boolean {
  if (f.type === 'bool') return true;
  if (f.type === 'select') return f.options?.find((o) => o !== '') ?? 'backend';
  if (f.type === 'number') return f.key === 'drop_connection' ? '0.5' : f.key === 'status' ? '201' : '3';
  if (f.type === 'size') return '4k';
  if (f.type === 'list') return f.key === 'client' ? '127.0.0.2/32, 10.0.0.0/8' : 'mp4, zip';
  if (f.type === 'duration') return '1s';
  if (f.key === 'repeat') return '3';
  if (f.key === 'path') return '/p';
  return f.key === 'listen' || f.key === 'address'
    ? '127.0.0.1:9'
    : f.key === 'name' || f.key === 'upstream'
      ? 'abc'
      : 'x';
}

test("every form field maps to a key its schema knows and accepts the form's kind of value", () => {
  const tables: [string, FieldSpec[], z.ZodType, Plain][] = [
    ...ROUTE_KINDS.map((k): [string, FieldSpec[], z.ZodType, Plain] => [
      k,
      ROUTE_KIND_FIELDS[k],
      KIND_SCHEMAS[k],
      defaultBody(k),
    ]),
    ['limit', LIMIT_FIELDS, limitSchema, { rate: '1m' }],
    ['faults', FAULT_FIELDS, faultsSchema, {}],
    ['sse step', SSE_STEP_FIELDS.filter((f) => f.key !== 'fault'), sseStepSchema, { data: 'x' }],
    ['sse channel', SSE_CHANNEL_FIELDS, sseSchema, {}],
    ['sse scenario', SSE_SCENARIO_FIELDS, sseScenarioSchema, { type: 'ticker' }],
    ['http server', SERVER_FIELDS, httpServerSchema, { name: 'a', listen: 0 }],
    ['upstream', UPSTREAM_FIELDS, httpUpstreamSchema, { name: 'a', servers: [{ address: 1 }] }],
    ['upstream server', UPSTREAM_SERVER_FIELDS, upstreamServerSchema, { address: 1 }],
    ['stream server', STREAM_SERVER_FIELDS, streamServerSchema, { name: 'a', listen: 0, upstream: 'b' }],
    ['limit match', LIMIT_MATCH_FIELDS, limitMatchSchema, {}],
    ['http health check', HTTP_HEALTH_FIELDS, httpHealthCheckSchema, {}],
    ['stream health check', STREAM_HEALTH_FIELDS, streamHealthCheckSchema, {}],
    ['server tls', SERVER_TLS_FIELDS, serverTlsSchema, { cert: 'site.pem', key: 'site.key' }],
    ['server http2', SERVER_H2_FIELDS, httpServerSchema, { name: 'a', listen: 0, tls: {} }],
    ['upstream tls', UPSTREAM_TLS_FIELDS, upstreamTlsSchema, {}],
  ];
  for (const [name, fields, schema, base] of tables) {
    for (const f of fields) {
      const obj = writeField(base, f, sampleInput(f));
      const r = schema.safeParse(obj);
      assert.ok(r.success, `${name}.${f.key} = ${JSON.stringify(obj[f.key])}: ${JSON.stringify(r.error?.issues)}`);
    }
  }
});

test('every select offers exactly the values its schema accepts (the lists come from core/config)', () => {
  const selects: [FieldSpec[], string, z.ZodType, Plain][] = [
    [LIMIT_FIELDS, 'per', limitSchema, { rate: '1m' }],
    [LIMIT_FIELDS, 'direction', limitSchema, { rate: '1m' }],
    [ROUTE_KIND_FIELDS.stream, 'format', streamSchema, {}],
    [SSE_SCENARIO_FIELDS, 'type', sseScenarioSchema, {}],
    [SSE_STEP_FIELDS, 'fault', sseStepSchema, {}],
    [UPSTREAM_FIELDS, 'balance', httpUpstreamSchema, { name: 'a', servers: [{ address: 1 }] }],
    [STREAM_SERVER_FIELDS, 'protocol', streamServerSchema, { name: 'a', listen: 0, upstream: 'b' }],
  ];
  for (const [fields, key, schema, base] of selects) {
    const f = fields.find((x) => x.key === key)!;
    const options = (f.options ?? []).filter((o) => o !== '');
    assert.ok(options.length >= 2, `${key} has options`);
    for (const o of options) assert.ok(schema.safeParse(writeField(base, f, o)).success, `${key} = ${o}`);
    assert.ok(!schema.safeParse({ ...base, [key]: 'nonsense' }).success, `${key} rejects other values`);
  }
});

test('changing a route kind swaps the body and keeps path, limit and faults', () => {
  const route: Plain = { path: '/dl', static: { root: './www' }, limit: { rate: '1m' }, faults: { latency: '1s' } };
  const next = changeRouteKind(route, 'chunked');
  assert.deepEqual(next, {
    path: '/dl',
    limit: { rate: '1m' },
    faults: { latency: '1s' },
    chunked: defaultBody('chunked'),
  });
  assert.equal(routeKindOf(next), 'chunked');
});

test('SSE modes: exactly one of script, channel or scenario after a switch', () => {
  const sse: Plain = { script: [{ data: 'x' }], heartbeat: '5s' };
  assert.equal(sseModeOf(sse), 'script');
  const ch = setSseMode(sse, 'channel');
  assert.deepEqual(ch, { heartbeat: '5s', channel: 'notifications' });
  assert.equal(sseModeOf(ch), 'channel');
  const sc = setSseMode(ch, 'scenario');
  assert.equal(sseModeOf(sc), 'scenario');
  assert.equal(sc.channel, undefined);
  for (const mode of ['script', 'channel', 'scenario'] as const) {
    assert.ok(routeSchema.safeParse({ path: '/e', sse: setSseMode(sse, mode) }).success, mode);
  }
});

const DOC = `# my mock
version: 1
http:
  servers:
    - name: mock   # the main one
      listen: 127.0.0.1:8080
      routes:
        - path: /dl
          static: { root: ./www }
          limit: { rate: 512k }
`;

test('a form edit lands in the YAML with comments and untouched formatting kept', () => {
  const text = editText(DOC, (d) => {
    const route = ((d.http as Plain).servers as Plain[])[0]!.routes as Plain[];
    route[0] = { ...route[0]!, limit: writeField(route[0]!.limit as Plain, rate, '1m') };
    route.push(newRoute('sse', '/events'));
  });
  assert.match(text, /^# my mock/);
  assert.match(text, /# the main one/);
  assert.match(text, /rate: 1m/);
  assert.match(text, /path: \/events/);
  const r = loadConfig(text);
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatConfigError).join('\n'));
  assert.equal(r.config.http.servers[0]!.routes[0]!.limit!.rate, 1024 * 1024);
  assert.equal(r.config.http.servers[0]!.routes[1]!.sse!.script!.length, 2);
});

test('YAML edits flow back to the forms; invalid values give the CLI messages at the field paths', () => {
  const store = createConfigStore();
  store.getState().load(DOC, 'mock.yaml', true);
  assert.equal(store.getState().errors.length, 0);
  assert.equal(store.getState().dirty(), false);
  store.getState().setText(DOC.replace('rate: 512k', 'rate: fast'));
  assert.equal(store.getState().dirty(), true);
  const value = store.getState().value!;
  const route = (((value.http as Plain).servers as Plain[])[0]!.routes as Plain[])[0]!;
  assert.equal(readField(route.limit as Plain, rate), 'fast', 'the form shows what the YAML says');
  const errs = errorsUnder(store.getState().errors, routePath(0, 0));
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.path, 'http.servers[0].routes[0].limit.rate');
  const cli = loadConfig(DOC.replace('rate: 512k', 'rate: fast'), 'mock.yaml');
  assert.ok(!cli.ok);
  assert.deepEqual(
    store.getState().errors.map(formatConfigError),
    cli.errors.map(formatConfigError),
    'same messages and positions as the CLI',
  );
});

test('unparseable YAML: no form value, edits leave the text alone, errors positioned', () => {
  const broken = 'http: [\n';
  const v = validateText(broken);
  assert.equal(v.value, undefined);
  assert.ok(v.errors.length > 0 && v.errors[0]!.line >= 1);
  assert.equal(
    editText(broken, (d) => {
      d.version = 1;
    }),
    broken,
  );
});

test('the starter documents (File → New, the dashboard example) are valid configs', () => {
  for (const text of [NEW_CONFIG, EXAMPLE_CONFIG]) {
    const r = loadConfig(text);
    assert.ok(r.ok, r.ok ? '' : r.errors.map(formatConfigError).join('\n'));
  }
  const r = loadConfig(EXAMPLE_CONFIG);
  assert.ok(r.ok);
  assert.deepEqual(r.config.http.servers[0]!.routes.find((x) => x.path === '/chunked')!.chunked!.chunks, [
    'start\n',
    'working\n',
    'done\n',
  ]);
});

test('the trust panel addresses a listener as a local browser reaches it', () => {
  assert.equal(httpsUrlOf('127.0.0.1:8443'), 'https://127.0.0.1:8443/');
  assert.equal(httpsUrlOf('0.0.0.0:8443'), 'https://127.0.0.1:8443/');
  assert.equal(httpsUrlOf(8443), 'https://127.0.0.1:8443/');
  assert.equal(httpsUrlOf('[::]:8443'), 'https://[::1]:8443/');
  assert.equal(httpsUrlOf('api.test:443'), 'https://api.test:443/');
});
