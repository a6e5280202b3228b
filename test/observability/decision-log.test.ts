/**
 * The decision log on its own: the entry's fields, the bounded buffer against sinks that block or
 * fail (every entry accounted for exactly once), sampling of allows only, shutdown.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createDecisionLog } from '../../src/observability/decision-log.js';
import { MAX_FIELD_CHARS, decisionLogEntry } from '../../src/observability/decision-log-entry.js';
import { streamSink, type DecisionLogSink } from '../../src/observability/decision-log-sink.js';
import type { DecisionLogCounters, DecisionLogDropCause } from '../../src/observability/metrics.js';
import { deny, record } from './helpers.js';

function counters() {
  const counts = { written: 0, sampled_out: 0, buffer_full: 0, sink_error: 0, closed: 0 };
  const c: DecisionLogCounters = {
    written: (n) => (counts.written += n),
    dropped: (cause: DecisionLogDropCause, n) => (counts[cause] += n),
    sampledOut: () => (counts.sampled_out += 1),
  };
  return { counts, counters: c };
}

/** A sink that records chunks and confirms them only when told to. */
function manualSink() {
  const pending: { chunk: string; done: (err?: Error | null) => void }[] = [];
  const lines: string[] = [];
  const sink: DecisionLogSink = {
    write: (chunk, done) => pending.push({ chunk, done }),
    close: () => Promise.resolve(),
  };
  return {
    sink,
    lines,
    pending,
    confirm(err?: Error) {
      const next = pending.shift();
      if (!next) throw new Error('nothing pending');
      if (!err) lines.push(...next.chunk.split('\n').filter(Boolean));
      next.done(err ?? null);
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('decision log entry', () => {
  it('has the contract fields and nothing else', () => {
    const r = record({
      kind: 'forward_auth',
      requested_org: { id: 'acme', source: 'header' },
      action: 'resource.read',
      resource: { type: 'node', id: 'n1', org: 'acme' },
      latency_s: 0.0001234,
      directory_revision: 7,
      request: {
        kind: 'forward_auth',
        principal: { id: 'alice', kind: 'session', scopes: [], bound_orgs: null, auth_time: 10 },
        authn_failure: null,
        named_org: { id: 'acme', source: 'header' },
        action: 'resource.read',
        resource: { type: 'node', id: 'n1', org: 'acme' },
        context: { target_user: 'bob', session_token: 'never-logged' },
      },
    });
    expect(decisionLogEntry(r)).toEqual({
      decision_id: r.decision.decision_id,
      time: '2025-01-02T03:04:05.678Z',
      kind: 'forward_auth',
      principal: { id: 'alice', kind: 'session' },
      requested_org: { id: 'acme', source: 'header' },
      effective_org: 'acme',
      action: 'resource.read',
      resource: { type: 'node', id: 'n1', org: 'acme' },
      allow: true,
      reason: 'allowed',
      detail: null,
      status: 200,
      role: 'owner',
      spoof: false,
      spoof_source: null,
      policy_revision: 'sha256:test',
      multi_tenant: true,
      latency_ms: 0.123,
      directory_revision: 7,
      request: {
        kind: 'forward_auth',
        principal: { id: 'alice', kind: 'session', scopes: [], bound_orgs: null, auth_time: 10 },
        authn_failure: null,
        named_org: { id: 'acme', source: 'header' },
        action: 'resource.read',
        resource: { type: 'node', id: 'n1', org: 'acme' },
        // a value under a key that names a secret is never logged
        context: { target_user: 'bob', session_token: '[redacted]' },
      },
    });
  });

  it('is spelled by the example of docs/metrics.md: every field, in order', () => {
    const text = readFileSync(path.resolve('docs', 'metrics.md'), 'utf8');
    const block = /## Decision log\n[\s\S]*?```json\n([\s\S]*?)```/.exec(text)?.[1];
    const example = JSON.parse((block ?? '').replace(/\n/g, '')) as Record<string, unknown>;
    const entry = decisionLogEntry(
      record({
        ...deny({ spoof: true }),
        directory_revision: 42,
        request: {
          kind: 'request',
          principal: { id: 'mallory', kind: 'session', scopes: [], bound_orgs: null, auth_time: 1 },
          authn_failure: null,
          named_org: { id: 'acme', source: 'header' },
          action: 'org.read',
          resource: null,
          context: {},
        },
      }),
    );
    expect(Object.keys(example)).toEqual(Object.keys(entry));
    expect(Object.keys(example.request as object)).toEqual(Object.keys(entry.request ?? {}));
  });

  it('keeps at most 16 scopes, bound orgs and context entries of the request, naming the cut', () => {
    const many = Array.from({ length: 20 }, (_, i) => `x${i}`);
    const entry = decisionLogEntry(
      record({
        request: {
          kind: 'request',
          principal: {
            id: 't1',
            kind: 'api_token',
            scopes: many,
            bound_orgs: many,
            auth_time: null,
          },
          authn_failure: null,
          named_org: null,
          action: 'org.read',
          resource: null,
          context: Object.fromEntries(many.map((k) => [k, 'v'])),
        },
      }),
    );
    expect(entry.request?.principal?.scopes).toEqual(many.slice(0, 16));
    expect(entry.request?.principal?.bound_orgs).toEqual(many.slice(0, 16));
    expect(Object.keys(entry.request?.context ?? {})).toEqual(many.slice(0, 16));
    expect(entry.truncated).toEqual([
      'request.principal.scopes',
      'request.principal.bound_orgs',
      'request.context',
    ]);
    expect(entry.directory_revision).toBeNull();
  });

  it('carries the failure cause of a policy_error', () => {
    const r = record({
      decision: {
        allow: false,
        reason: 'policy_error',
        status: 500,
        effective_org: null,
        role: null,
      },
      error: 'policy evaluation failed: abort: x',
    });
    expect(decisionLogEntry(r)).toMatchObject({
      reason: 'policy_error',
      error: 'policy evaluation failed: abort: x',
    });
  });

  it('copies from an allow-list: fields added to a record later are not logged', () => {
    const r = {
      ...record(),
      token: 'eyJ.secret.token',
      decision: { ...record().decision, raw_authorization: 'Bearer x' },
    };
    const line = JSON.stringify(decisionLogEntry(r));
    expect(line).not.toContain('eyJ.secret.token');
    expect(line).not.toContain('Bearer');
  });
});

describe('free-text fields are bounded', () => {
  it('cuts every client-influenced field to MAX_FIELD_CHARS and names the fields it cut', () => {
    const long = (c: string) => c.repeat(MAX_FIELD_CHARS + 100);
    const entry = decisionLogEntry(
      record({
        decision: {
          ...deny().decision,
          principal: { id: long('p'), kind: 'session' },
          detail: long('d'),
        },
        requested_org: { id: long('o'), source: 'header' },
        action: long('a'),
        resource: { type: 'node', id: long('i'), org: long('r') },
        error: long('e'),
      }),
    );
    expect(entry.truncated).toEqual([
      'principal.id',
      'requested_org.id',
      'action',
      'resource.id',
      'resource.org',
      'detail',
      'error',
    ]);
    for (const value of [
      entry.principal?.id,
      entry.requested_org.id,
      entry.action,
      entry.resource?.id,
      entry.resource?.org,
      entry.detail,
      entry.error,
    ]) {
      expect(value).toHaveLength(MAX_FIELD_CHARS);
    }
    expect(entry.resource?.type).toBe('node');
  });

  it('leaves short fields alone and carries no marker', () => {
    const entry = decisionLogEntry(record({ action: 'a'.repeat(MAX_FIELD_CHARS) }));
    expect(entry.action).toHaveLength(MAX_FIELD_CHARS);
    expect(entry).not.toHaveProperty('truncated');
  });

  it('never cuts a surrogate pair in half, and replaces lone surrogates: the line is well-formed', () => {
    const rocket = '\ud83d\ude80';
    const entry = decisionLogEntry(
      record({
        action: `${'a'.repeat(MAX_FIELD_CHARS - 1)}${rocket}`,
        requested_org: { id: 'x\ud800y', source: 'field' },
      }),
    );
    expect(entry.action).toBe('a'.repeat(MAX_FIELD_CHARS - 1));
    expect(entry.requested_org.id).toBe('x\ufffdy');
    expect(entry.truncated).toEqual(['action']);
    expect(JSON.stringify(entry).isWellFormed()).toBe(true);
  });
});

describe('bounded buffer, in bytes', () => {
  it('with a sink that never confirms: holds at most bufferBytes of lines, drops and counts the rest', async () => {
    const { counts, counters: c } = counters();
    const sink = manualSink();
    const log = createDecisionLog(
      { bufferEntries: 10_000, bufferBytes: 16 * 1024, sampleAllowsOneIn: 1 },
      { sink: sink.sink, counters: c },
    );
    const big = () =>
      record({
        action: 'x'.repeat(100_000),
        requested_org: { id: 'y'.repeat(100_000), source: 'field' },
      });
    for (let i = 0; i < 200; i++) log.onDecision(big());
    await tick();
    expect(log.heldBytes).toBeLessThanOrEqual(16 * 1024);
    expect(log.held).toBeGreaterThan(0);
    expect(counts.buffer_full).toBe(200 - log.held);
    expect(counts.buffer_full).toBeGreaterThan(100);
    // one entry with every field at its bound is well under a kilobyte or two
    expect(log.heldBytes / log.held).toBeLessThan(2048);
  });

  it('frees the bytes once the sink confirms them', async () => {
    const { counters: c } = counters();
    const sink = manualSink();
    const log = createDecisionLog(
      { bufferEntries: 10_000, bufferBytes: 4096, sampleAllowsOneIn: 1 },
      { sink: sink.sink, counters: c },
    );
    for (let i = 0; i < 50; i++) log.onDecision(record());
    await tick();
    const held = log.heldBytes;
    expect(held).toBeGreaterThan(0);
    sink.confirm();
    await tick();
    expect(log.heldBytes).toBe(0);
    expect(sink.lines.reduce((n, line) => n + Buffer.byteLength(line) + 1, 0)).toBe(held);
  });
});

describe('bounded buffer', () => {
  it('with a sink that never confirms: holds exactly bufferEntries, drops and counts the rest, never blocks', async () => {
    const { counts, counters: c } = counters();
    const sink = manualSink();
    const log = createDecisionLog(
      { bufferEntries: 5, bufferBytes: 1 << 20, sampleAllowsOneIn: 1 },
      { sink: sink.sink, counters: c },
    );
    for (let i = 0; i < 3; i++) log.onDecision(record());
    await tick(); // the first three are now being written
    expect(sink.pending).toHaveLength(1);
    for (let i = 0; i < 17; i++) log.onDecision(record());
    await tick();
    expect(log.held).toBe(5);
    expect(counts).toEqual({
      written: 0,
      sampled_out: 0,
      buffer_full: 15,
      sink_error: 0,
      closed: 0,
    });
    expect(await log.flush(10)).toBe(false);
  });

  it('writes what it held once the sink catches up, then takes new entries again', async () => {
    const { counts, counters: c } = counters();
    const sink = manualSink();
    const log = createDecisionLog(
      { bufferEntries: 4, bufferBytes: 1 << 20, sampleAllowsOneIn: 1 },
      { sink: sink.sink, counters: c },
    );
    log.onDecision(record());
    await tick();
    for (let i = 0; i < 5; i++) log.onDecision(record()); // 3 fit, 2 dropped
    sink.confirm();
    await tick();
    expect(sink.pending).toHaveLength(1); // the 3 waiting ones, as one chunk
    sink.confirm();
    expect(await log.flush(1000)).toBe(true);
    log.onDecision(record());
    await tick();
    sink.confirm();
    expect(await log.flush(1000)).toBe(true);
    expect(sink.lines).toHaveLength(5);
    expect(counts).toEqual({
      written: 5,
      sampled_out: 0,
      buffer_full: 2,
      sink_error: 0,
      closed: 0,
    });
    for (const line of sink.lines) expect(JSON.parse(line)).toHaveProperty('decision_id');
  });

  it('counts entries of a failed write as sink_error and reports failing and recovery once each', async () => {
    const { counts, counters: c } = counters();
    const sink = manualSink();
    const states: string[] = [];
    const log = createDecisionLog(
      { bufferEntries: 100, bufferBytes: 1 << 20, sampleAllowsOneIn: 1 },
      {
        sink: sink.sink,
        counters: c,
        onSinkState: (s) => states.push(s.failing ? `failing: ${s.error.message}` : 'ok'),
      },
    );
    log.onDecision(record());
    log.onDecision(record());
    await tick();
    sink.confirm(new Error('EPIPE'));
    log.onDecision(record());
    await tick();
    sink.confirm(new Error('EPIPE'));
    log.onDecision(record());
    await tick();
    sink.confirm();
    expect(counts).toEqual({
      written: 1,
      sampled_out: 0,
      buffer_full: 0,
      sink_error: 3,
      closed: 0,
    });
    expect(states).toEqual(['failing: EPIPE', 'ok']);
  });

  it('survives a sink that throws', async () => {
    const { counts, counters: c } = counters();
    const sink: DecisionLogSink = {
      write: () => {
        throw new Error('boom');
      },
      close: () => Promise.resolve(),
    };
    const log = createDecisionLog(
      { bufferEntries: 10, bufferBytes: 1 << 20, sampleAllowsOneIn: 1 },
      { sink, counters: c },
    );
    expect(() => log.onDecision(record())).not.toThrow();
    await tick();
    expect(counts.sink_error).toBe(1);
  });

  it('on close: flushes what it can, counts the rest as closed (once), and drops later entries as closed', async () => {
    const { counts, counters: c } = counters();
    const sink = manualSink();
    const log = createDecisionLog(
      { bufferEntries: 10, bufferBytes: 1 << 20, sampleAllowsOneIn: 1 },
      { sink: sink.sink, counters: c },
    );
    log.onDecision(record());
    await tick();
    log.onDecision(record());
    log.onDecision(record());
    await log.close(20);
    expect(counts).toEqual({
      written: 0,
      sampled_out: 0,
      buffer_full: 0,
      sink_error: 0,
      closed: 3,
    });
    sink.confirm(); // the sink wakes up after all: not counted twice
    log.onDecision(record());
    expect(counts).toEqual({
      written: 0,
      sampled_out: 0,
      buffer_full: 0,
      sink_error: 0,
      closed: 4,
    });
  });
});

describe('sampling', () => {
  it('samples allows with the given odds and never samples denies', async () => {
    const { counts, counters: c } = counters();
    const sink = manualSink();
    // random() values: an allow is kept when random() * 4 < 1, i.e. random() < 0.25
    const draws = [0.1, 0.3, 0.6, 0.9, 0.24, 0.25];
    let drawn = 0;
    const log = createDecisionLog(
      { bufferEntries: 100, bufferBytes: 1 << 20, sampleAllowsOneIn: 4 },
      { sink: sink.sink, counters: c, random: () => draws[drawn++] ?? 0.99 },
    );
    for (let i = 0; i < 6; i++) log.onDecision(record());
    for (let i = 0; i < 5; i++) log.onDecision(record(deny()));
    await tick();
    sink.confirm();
    expect(drawn).toBe(6); // denies do not even draw
    expect(counts).toEqual({
      written: 7,
      sampled_out: 4,
      buffer_full: 0,
      sink_error: 0,
      closed: 0,
    });
    expect(sink.lines.map((l) => (JSON.parse(l) as { allow: unknown }).allow)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('stream sink', () => {
  it('turns a broken stream into failed writes, not a crash', async () => {
    const stream = new Writable({
      write(_chunk, _enc, cb) {
        cb(new Error('EPIPE'));
      },
    });
    const sink = streamSink(stream, { end: false });
    const first = await new Promise<Error | null | undefined>((resolve) =>
      sink.write('a\n', resolve),
    );
    expect(first?.message).toBe('EPIPE');
    const second = await new Promise<Error | null | undefined>((resolve) =>
      sink.write('b\n', resolve),
    );
    expect(second).toBeInstanceOf(Error);
    await sink.close(10);
  });
});
