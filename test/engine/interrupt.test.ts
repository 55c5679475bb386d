import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/runtime/engine.js';
import { labelFilter } from '../../src/runtime/labels.js';

const cli = join(import.meta.dirname, '../../dist/src/cli.js');

describe('Ctrl-C during up', () => {
  it('stops, removes everything it built, and exits 130', async () => {
    const child = spawn(
      process.execPath,
      [cli, 'up', join(import.meta.dirname, '../../topologies/two-region-federation.yaml'), '--name', 'test-int'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (b) => {
      stderr += b.toString();
      // Interrupt once nodes are starting: the most expensive moment to leave things behind.
      if (stderr.includes('started 2 node(s)') && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toContain('started 2 node(s)');
    expect(code).toBe(130);
    expect(stderr).toMatch(/Interrupted; federation test-int was removed\./);
    const engine = await connectEngine();
    expect(await engine.containers(labelFilter('test-int'))).toEqual([]);
    expect(await engine.networks(labelFilter('test-int'))).toEqual([]);
  });
});
