import { defineConfig } from 'vitest/config';
import { isDriverRefreshBug } from './src/runtime/cql.js';

// Three projects: `unit` (pure parts and the CLI on bad input or saved runs, no engine), `browser` (the
// report in headless Chromium, no engine) and `engine` (real Docker engine, real databases).
// Engine tests share one engine and its images; they run one file at a time so a 2-core machine is
// not asked to start several federations at once.
/** `vitest run --project unit` and nothing else: the engine-free tests alone. */
const projects = process.argv.flatMap((a, i) =>
  a === '--project' ? [process.argv[i + 1]] : a.startsWith('--project=') ? [a.slice(10)] : [],
);
const unitOnly = projects.length === 1 && projects[0] === 'unit';

export default defineConfig({
  test: {
    // The unit project alone runs two files at a time even on 2 cores (vitest's default is cores
    // - 1): package.test.ts spends its ~30 s mostly waiting on npm while the others compute. A run
    // of every project keeps the default, so an engine test never shares the machine with a file.
    ...(unitOnly ? { maxWorkers: 2 } : {}),
    // A known cassandra-driver bug that fault tests provoke on purpose (see isDriverRefreshBug).
    onUnhandledError: (err) => !isDriverRefreshBug(err),
    projects: [
      // Colour forced: without a terminal ink would draw none, and the NO_COLOR test could not fail.
      // No Docker engine needed: the CLI's tests run the built CLI with DOCKER_HOST pointing nowhere.
      // Timeouts are hang guards, never expectations: vitest's 5 s default failed a 1500-run property
      // test that took 10 s while two cores were busy (speed is measured in bench/, not in tests).
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          env: { FORCE_COLOR: '1' },
          globalSetup: ['test/unit/build.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      // report.html in headless Chromium (Debian's chromium; scripts/test.sh installs it). No engine.
      {
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], fileParallelism: false, globalSetup: ['test/unit/build.ts'] },
      },
      {
        test: {
          name: 'engine',
          include: ['test/engine/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 400_000,
          globalSetup: ['test/engine/global-setup.ts'],
          // No reaper image can be pulled here; fedsim's own labels and global teardown find leftovers.
          env: { TESTCONTAINERS_RYUK_DISABLED: 'true' },
        },
      },
      // A real multi-node Kubernetes built here (scripts/kube/): KWOK placement and fedsim on real kubelets.
      {
        test: {
          name: 'kube',
          // The real-node file only with FEDSIM_KUBE_REAL=1 (test/kube/cluster.ts says why).
          include: process.env.FEDSIM_KUBE_REAL === '1' ? ['test/kube/**/*.test.ts'] : ['test/kube/kwok.test.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          // A cold build of the cluster's binaries takes ~8 min on 2 cores.
          hookTimeout: 900_000,
          globalSetup: ['test/kube/global-setup.ts'],
        },
      },
    ],
  },
});
