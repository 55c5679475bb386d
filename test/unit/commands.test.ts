import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/commands/context.js';
import { schemaCommand, validateCommand } from '../../src/commands/federation.js';
import { projectRoot } from '../../src/paths.js';
import { nodeStateOfContainer } from '../../src/runtime/watch.js';

/** A context that records what a command says and prints, and has no engine to give. */
function recording() {
  const said: string[] = [];
  let out = '';
  let engineAsked = 0;
  const ctx: CommandContext = {
    say: (line) => said.push(line),
    show: (line) => said.push(line),
    out: (text) => {
      out += text;
    },
    engine: () => {
      engineAsked++;
      return Promise.reject(new Error('no engine in this test'));
    },
    interrupt: () => new AbortController(),
  };
  return { ctx, said, out: () => out, engineAsked: () => engineAsked };
}

describe('commands write through their context', () => {
  it('validate prints its result to the context, says nothing else and asks for no engine', async () => {
    const r = recording();
    const file = join(projectRoot, 'topologies/two-region-federation.yaml');
    await validateCommand(r.ctx, file);
    expect(r.out()).toBe(`${file}: valid federation topology, 2 region(s), 2 cluster(s), 2 node(s)\n`);
    expect(r.said).toEqual([]);
    expect(r.engineAsked()).toBe(0);
  });

  it('schema prints one JSON document to the context', async () => {
    const r = recording();
    await schemaCommand(r.ctx, { scenario: true });
    expect(JSON.parse(r.out()).title).toBe('fedsim scenario');
  });
});

describe("a container's state as a node's", () => {
  it('running is up, paused is paused, anything else (exited, created, gone) is down', () => {
    expect(['running', 'paused', 'exited', 'created', 'restarting', undefined].map(nodeStateOfContainer)).toEqual([
      'up',
      'paused',
      'down',
      'down',
      'down',
      'down',
    ]);
  });
});
