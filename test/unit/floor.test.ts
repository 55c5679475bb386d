import { describe, expect, it } from 'vitest';
import { FLOOR_BOUNDS, hostNoiseMs, type NoiseFloor, saturation } from '../../src/checkers/floor.js';
import type { Verdict } from '../../src/checkers/verdict.js';
import { expectations } from '../../src/report/expectations.js';
import { ExpectSchema } from '../../src/scenarios/schema.js';

const floor = (cpu: number, canaryP99: number, loopP99 = 5): NoiseFloor => ({
  seconds: 40,
  hostCpu: { cores: 2, mean: cpu, p90: cpu },
  eventLoop: { p99: loopP99, max: loopP99 * 2 },
  canary: [{ region: 'us', count: 40, failed: 0, p50: canaryP99 / 2, p99: canaryP99 }],
});
const quiet = floor(0.3, 8);
const saturated = floor(0.99, 120);

const expect_ = ExpectSchema.parse({
  durability: true,
  routing: false,
  residency: false,
  latency: [{ pair: 'local', p99: '200ms' }],
  availability: {},
});
const verdict = (checker: string, status: Verdict['status'], evidence: Record<string, unknown> = {}): Verdict => ({
  checker,
  status,
  summary: `${checker} said ${status}`,
  evidence,
});
const judge = (vs: Verdict[], f?: NoiseFloor) => new Map(expectations(expect_, vs, [], f).map((e) => [e.name, e]));

describe('the noise floor', () => {
  it('is beyond its bounds on a busy CPU, a late event loop or a slow canary, each named with its figure', () => {
    expect(saturation(quiet)).toEqual([]);
    expect(saturation(floor(FLOOR_BOUNDS.hostCpuP90, 8))).toEqual([expect.stringMatching(/^host CPU 90% busy/)]);
    expect(saturation(floor(0.3, 8, 250))).toEqual([expect.stringMatching(/event loop p99 delay 250 ms/)]);
    expect(saturation(floor(0.3, 120))).toEqual([expect.stringMatching(/local canary p99 120 ms in us/)]);
  });

  it('is beyond its bounds when a link canary sits far above its configured round trip, measured outside faults', () => {
    const link = (p50: number, p99 = p50, count = 10) => ({
      from: 'us',
      to: 'eu',
      configuredMs: 160,
      jitterMs: 10,
      count,
      failed: 0,
      p50,
      p99,
    });
    // Within max(10%, 10 ms) of 160 ms: the WAN as configured.
    expect(saturation({ ...quiet, links: [link(175)] })).toEqual([]);
    expect(saturation({ ...quiet, links: [link(177)] })).toEqual([
      expect.stringMatching(/^link us->eu canary p50 177 ms where 160 ms is configured \(bound \+16 ms\)$/),
    ]);
    // Never measured (a fault throughout): no evidence either way.
    expect(saturation({ ...quiet, links: [link(0, 0, 0)] })).toEqual([]);
    // What a link adds beyond its configured round trip and jitter is host noise too.
    expect(hostNoiseMs({ ...quiet, links: [link(170, 230)] })).toBe(60);
    expect(hostNoiseMs({ ...quiet, links: [link(170, 175)] })).toBe(8);
  });

  it('makes a latency or availability failure on a saturated host unknown, with the evidence', () => {
    const e = judge([verdict('availability', 'fail'), verdict('latency', 'fail', { largestExcessMs: 60 })], saturated);
    for (const name of ['availability', 'latency']) {
      expect(e.get(name)!.holds).toBe(false);
      expect(e.get(name)!.verdict.status).toBe('unknown');
      expect(e.get(name)!.verdict.summary).toMatch(/^the host was saturated \(host CPU 99% busy.*local canary p99 120 ms/);
    }
  });

  it('never hides a real failure: a quiet host, a breach larger than the host adds, or a checker the host cannot move', () => {
    const onQuiet = judge([verdict('latency', 'fail', { largestExcessMs: 60 })], quiet).get('latency')!;
    expect([onQuiet.verdict.status, onQuiet.verdict.summary]).toEqual(['fail', expect.stringMatching(/\(on a quiet host: host CPU 30%/)]);
    // A 1 s latency fault against 200 ms: 800 ms over, where the host alone adds at most 120 ms.
    const large = judge([verdict('latency', 'fail', { largestExcessMs: 800 })], saturated).get('latency')!;
    expect(large.verdict.status).toBe('fail');
    expect(large.verdict.summary).toMatch(/the breach of 800 ms is more than the 120 ms the host alone adds/);
    expect(judge([verdict('durability', 'fail')], saturated).get('durability')!.verdict.status).toBe('fail');
  });

  it('reports an expectation that holds with the floor beside it, and judges without one as before', () => {
    const held = judge([verdict('latency', 'pass')], saturated).get('latency')!;
    expect([held.holds, held.verdict.summary]).toEqual([true, expect.stringMatching(/latency said pass \(noise floor: host CPU 99% mean/)]);
    expect(judge([verdict('latency', 'fail', { largestExcessMs: 1 })]).get('latency')!.verdict).toEqual(
      verdict('latency', 'fail', { largestExcessMs: 1 }),
    );
  });
});
