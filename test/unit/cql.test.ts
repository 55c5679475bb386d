import { describe, expect, it } from 'vitest';
import { ScenarioSchema } from '../../src/scenarios/schema.js';
import { prepareStatement } from '../../src/workload/statements.js';

const topology = { shape: 'federation', regions: ['us'], clusters: [{ name: 'main', role: 'main', nodes: { us: 1 } }] };
const cql = (over: Record<string, unknown>) =>
  ScenarioSchema.safeParse({
    name: 'cq',
    topology,
    workloads: [
      {
        kind: 'cql',
        name: 'orders',
        regions: ['us'],
        statements: [{ f: 'insert', cql: 'INSERT INTO app.t (id) VALUES ({{uuid}})' }],
        ...over,
      },
    ],
  });

describe('the cql workload', () => {
  it('binds placeholders as values of a prepared statement, in order, never as text', () => {
    expect(prepareStatement('INSERT INTO app.o (id, ws, n, note) VALUES ({{uuid}}, {{ workspace }}, {{int}}, {{text}})')).toEqual({
      query: 'INSERT INTO app.o (id, ws, n, note) VALUES (?, ?, ?, ?)',
      values: ['uuid', 'workspace', 'int', 'text'],
    });
    expect(prepareStatement('SELECT * FROM app.o WHERE ws = {{region}}')).toEqual({
      query: 'SELECT * FROM app.o WHERE ws = ?',
      values: ['region'],
    });
  });

  it('is refused with the bad field named: an unknown placeholder, no statement, a bad level', () => {
    const issue = (over: Record<string, unknown>) => {
      const r = cql(over);
      return r.success ? undefined : `${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`;
    };
    expect(cql({}).success).toBe(true);
    expect(issue({ statements: [{ f: 'x', cql: 'SELECT {{nope}}' }] })).toMatch(
      /^workloads\.0\.statements\.0\.cql: unknown placeholder; expected \{\{uuid\}\}/,
    );
    expect(issue({ statements: [] })).toBe('workloads.0.statements: expected at least one statement');
    expect(issue({ consistency: 'MOST' })).toMatch(/^workloads\.0\.consistency: /);
  });
});
