import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tracingModulesLoaded } from '../../src/daemon/tracing.js';
import { startFakeLlm, type FakeLlm } from '../fakes/llm/server.js';
import { startFakeOtlp, type FakeOtlp, type ReceivedSpan } from '../fakes/otlp/server.js';
import { startHarness, waitFor, type Harness } from '../proxy/harness.js';

/** In every prompt: it must reach the provider and appear in no exported byte. */
const MARKER = 'zebra-marker-7f3a9c';
const CLIENT_KEY = 'sk-client-secret-4b1d8e2a';
const PROXY_KEY = 'oco-proxy-secret-99c1f0aa';
const OTLP_TOKEN = 'otlp-token-5e6f';
const ANSWER_TEXT = 'Hello from the fake model.';
const SERVER = 2;
const CLIENT = 3;

const body = (stream: boolean) =>
  JSON.stringify({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: `Summarise ${MARKER} please` }],
    ...(stream ? { stream: true } : {}),
  });

/** A W3C traceparent as an agent already tracing would send it. */
function traceparent(): { header: string; traceId: string; parentId: string } {
  const hex = (n: number) => [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, '0'));
  const traceId = hex(16).join('');
  const parentId = hex(8).join('');
  return { header: `00-${traceId}-${parentId}-01`, traceId, parentId };
}

/** The spans of a trace once its server span (ended last) has arrived. */
async function traceOf(otlp: FakeOtlp, traceId: string): Promise<ReceivedSpan[]> {
  await waitFor(async () => otlp.trace(traceId).some((s) => s.kind === SERVER), 10_000, 'the server span');
  return otlp.trace(traceId);
}

describe('tracing off', () => {
  it('loads no OpenTelemetry module and exports nothing, even with an endpoint set and the SDK disabled', async () => {
    const otlp = await startFakeOtlp();
    const h = await startHarness({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SDK_DISABLED: 'true', OTEL_BSP_SCHEDULE_DELAY: '10' },
    });
    try {
      const r = await fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
        body: body(false),
      });
      expect(r.status).toBe(200);
      await r.text();
    } finally {
      await h.stop();
    }
    expect(tracingModulesLoaded()).toBe(false);
    expect(otlp.exports).toHaveLength(0);
    await otlp.close();
  });
});

describe('tracing on: spans of proxied calls over OTLP/HTTP', () => {
  let h: Harness;
  let otlp: FakeOtlp;
  beforeAll(async () => {
    otlp = await startFakeOtlp();
    h = await startHarness({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${OTLP_TOKEN}`,
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,team=platform',
        OTEL_BSP_SCHEDULE_DELAY: '20',
        OCO_PROXY_API_KEY: PROXY_KEY,
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
    await otlp?.close();
  });

  const row = async (id: string | null) => {
    await h.flush();
    return (await h.daemon.store.get<Record<string, any>>('SELECT * FROM api_requests WHERE id = $1', [id]))!;
  };
  const headers = (tp: string) => ({
    'content-type': 'application/json',
    authorization: `Bearer ${CLIENT_KEY}`,
    'x-oco-key': PROXY_KEY,
    'x-team-id': 'payments',
    'x-agent-id': 'summariser',
    traceparent: tp,
  });
  const byName = (spans: ReceivedSpan[], name: string) => spans.filter((s) => s.name === name);

  it('continues the agent trace: server span, admission, upstream call and record, with GenAI attributes', async () => {
    expect(tracingModulesLoaded()).toBe(true);
    const tp = traceparent();
    const r = await fetch(`${h.url}/v1/proxy/openai/v1/chat/completions?api-version=1`, {
      method: 'POST',
      headers: headers(tp.header),
      body: body(false),
    });
    expect(r.status).toBe(200);
    expect(await r.text()).toContain(ANSWER_TEXT);
    expect(h.fake.last()!.body).toContain(MARKER);
    const id = r.headers.get('x-request-id');
    const rec = await row(id);
    const spans = await traceOf(otlp, tp.traceId);
    expect(spans.map((s) => s.name).sort()).toEqual(
      ['POST /v1/proxy/openai/v1/chat/completions', 'chat gpt-4o', 'oco.admission', 'oco.record'].sort(),
    );
    const server = spans.find((s) => s.kind === SERVER)!;
    expect(server.parentSpanId).toBe(tp.parentId);
    for (const child of spans.filter((s) => s !== server)) expect(child.parentSpanId).toBe(server.spanId);
    expect(server.attributes).toEqual({
      'http.request.method': 'POST',
      'url.path': '/v1/proxy/openai/v1/chat/completions',
      'http.response.status_code': 200,
      'oco.request_id': id,
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': rec.model,
      'oco.cost_usd': String(rec.cost_usd),
      'oco.team_id': 'payments',
      'oco.agent_id': 'summariser',
    });
    const client = byName(spans, 'chat gpt-4o')[0]!;
    expect(client.kind).toBe(CLIENT);
    const fakeUrl = new URL(h.fake.url);
    expect(client.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': rec.model,
      'gen_ai.usage.input_tokens': Number(rec.input_tokens) + Number(rec.cached_input_tokens),
      'gen_ai.usage.output_tokens': Number(rec.output_tokens) + Number(rec.reasoning_tokens),
      'gen_ai.usage.cache_read.input_tokens': Number(rec.cached_input_tokens),
      'oco.cost_usd': String(rec.cost_usd),
      'server.address': fakeUrl.hostname,
      'server.port': Number(fakeUrl.port),
      'url.full': `${fakeUrl.origin}/v1/chat/completions`,
      'http.response.status_code': 200,
    });
    // 800 + 200 prompt tokens, 300 output of which 100 reasoning (FAKE_USAGE); the recorded cost, exactly.
    expect(client.attributes['gen_ai.usage.input_tokens']).toBe(1000);
    expect(rec.cost_usd).toBe(server.attributes['oco.cost_usd']);
    expect(byName(spans, 'oco.record')[0]!.attributes).toEqual({
      'oco.request_id': id,
      'oco.cost_usd': String(rec.cost_usd),
      'oco.org_id': rec.org_id,
      'oco.team_id': 'payments',
      'oco.agent_id': 'summariser',
      'oco.streamed': false,
      'oco.estimated': false,
    });
    expect(byName(spans, 'oco.admission')[0]!.attributes).toEqual({
      'oco.admission.controls': 1,
      'oco.admission.admitted': true,
    });
    // The span order on the call's clock: admission, then the upstream call, then the record.
    const adm = byName(spans, 'oco.admission')[0]!;
    const recSpan = byName(spans, 'oco.record')[0]!;
    expect(adm.endNs <= client.startNs).toBe(true);
    expect(client.endNs <= recSpan.endNs).toBe(true);
    expect(server.resource).toMatchObject({
      'service.name': 'oco',
      'deployment.environment.name': 'test',
      team: 'platform',
    });
    const exp = otlp.exports.find((e) => e.spans.some((sp) => sp.traceId === tp.traceId))!;
    // OTLP/HTTP's default encoding, as the specification gives it.
    expect(exp.headers['content-type']).toBe('application/x-protobuf');
    expect(exp.headers.authorization).toBe(`Bearer ${OTLP_TOKEN}`);
    // oco adds no trace header upstream by default: the client's own passes through as sent.
    expect(h.fake.last()!.headers.traceparent).toBe(tp.header);
  });

  it('traces a streamed unified call with its time to first chunk, one upstream span per attempt', async () => {
    const tp = traceparent();
    const r = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: headers(tp.header),
      body: body(true),
    });
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toContain('data: [DONE]');
    const rec = await row(r.headers.get('x-request-id'));
    expect(rec.streamed === 1 || rec.streamed === true).toBe(true);
    const spans = await traceOf(otlp, tp.traceId);
    const server = spans.find((s) => s.kind === SERVER)!;
    expect(server.name).toBe('POST /v1/chat/completions');
    expect(server.parentSpanId).toBe(tp.parentId);
    const client = byName(spans, 'chat gpt-4o');
    expect(client).toHaveLength(1);
    const c = client[0]!;
    expect(byName(spans, 'oco.record')[0]!.attributes['oco.streamed']).toBe(true);
    expect(c.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.usage.input_tokens': Number(rec.input_tokens) + Number(rec.cached_input_tokens),
      'gen_ai.usage.output_tokens': Number(rec.output_tokens) + Number(rec.reasoning_tokens),
      'oco.cost_usd': String(rec.cost_usd),
    });
    expect(c.attributes['gen_ai.response.time_to_first_chunk']).toBeCloseTo(Number(rec.ttfb_ms) / 1000, 2);
    const first = c.events.find((e) => e.name === 'oco.first_byte')!;
    expect(first.timeNs >= c.startNs && first.timeNs <= c.endNs).toBe(true);
  });

  it('records a refusal with its status and no upstream span', async () => {
    const tp = traceparent();
    const r = await fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers(tp.header), 'x-oco-key': 'not-the-proxy-key' },
      body: body(false),
    });
    expect(r.status).toBe(401);
    await r.text();
    const spans = await traceOf(otlp, tp.traceId);
    expect(spans.map((s) => s.name)).toEqual(['POST /v1/proxy/openai/v1/chat/completions']);
    expect(spans[0]!.attributes['http.response.status_code']).toBe(401);
    expect(spans[0]!.status.code).toBe(0);
  });

  it('exports no prompt, no answer and no key', async () => {
    expect(otlp.exports.length).toBeGreaterThan(0);
    for (const e of otlp.exports) {
      for (const secret of [MARKER, ANSWER_TEXT, CLIENT_KEY, PROXY_KEY, OTLP_TOKEN, 'api-version'])
        expect(e.body).not.toContain(secret);
    }
  });
});

describe('tracing.propagateUpstream and the flush at shutdown', () => {
  it('sends the upstream span as the provider call parent, and exports the last spans when the daemon stops (as OTLP/JSON when asked)', async () => {
    const otlp = await startFakeOtlp();
    const fake: FakeLlm = await startFakeLlm();
    // A batch delay longer than the test: only the stop's flush can deliver these spans.
    const h = await startHarness({
      fake,
      env: {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${otlp.url}/v1/traces`,
        OTEL_BSP_SCHEDULE_DELAY: '600000',
        OTEL_SERVICE_NAME: 'gateway-eu',
        OCO_TRACING_PROPAGATE_UPSTREAM: 'true',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      },
    });
    const tp = traceparent();
    try {
      const r = await fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}`, traceparent: tp.header },
        body: body(false),
      });
      expect(r.status).toBe(200);
      await r.text();
      expect(otlp.exports).toHaveLength(0);
    } finally {
      await h.stop();
    }
    const sent = fake.last()!.headers.traceparent as string;
    await fake.close();
    const spans = otlp.trace(tp.traceId);
    await otlp.close();
    expect(spans).toHaveLength(4);
    expect(otlp.exports.every((e) => e.headers['content-type'] === 'application/json')).toBe(true);
    const client = spans.find((s) => s.kind === CLIENT)!;
    expect(sent).toBe(`00-${tp.traceId}-${client.spanId}-01`);
    expect(client.resource['service.name']).toBe('gateway-eu');
  });
});
