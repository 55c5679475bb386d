/**
 * fedsim's layers as a rule the test command checks (`npm run deps`, scripts/test.sh, and
 * test/unit/layers.test.ts). docs/ARCHITECTURE.md draws the same picture.
 *
 * The data flows spec -> plan -> runtime -> run -> history -> checkers -> reports; a file imports
 * only from its own layer or one before it. The history's *format* (its lines, writers, readers
 * and queries, the fault log's and the alert log's too) is a shape shared by whoever writes it (the
 * runtime records faults, the workload records operations) and whoever reads it (checkers,
 * reports), so it sits just after the plan: it depends on spec and plan only.
 * The top layer composes the others (the runner, the event stream, the views, the commands) and
 * nothing below may import it.
 */

/** In order; a path belongs to the first layer whose pattern it matches. */
const LAYERS = [
  ['common', '^src/(common/|(errors|clock|jsonl|paths|signals)\\.ts$)'],
  ['spec', '^src/(topology/(schema|file|services)|workload/(spec|kinds))\\.ts$'],
  // A fault kind's record holds its schema and its effects on the plan, so the fault and scenario
  // schemas sit here with the registry of kinds (faults/kinds.ts), after the topology's.
  ['plan', '^src/(topology/(plan|replicas)|workload/placement|faults/(?!log\\.ts$)[a-z-]+|scenarios/(schema|file|timeline|expect)|workload/generator|monitoring/config)\\.ts$'],
  ['history', '^src/(workload/(history|queries)|faults/log|monitoring/(alerts|metrics))\\.ts$'],
  ['runtime', '^src/runtime/'],
  ['run', '^src/workload/(workload|pacer|command|cql|http|users|operations)\\.ts$'],
  ['checkers', '^src/checkers/'],
  ['reports', '^src/(report/|monitoring/(exporter|server|collect)\\.ts$)'],
  ['top', '^src/(scenarios/(runner|events|traffic|floor)\\.ts$|ui/|commands/|(cli|index)\\.ts$)'],
];

/**
 * Imports against the rules that live in files another branch is changing this session; each is
 * named so the lead can remove it once that branch has merged. [from, to, why]
 */
const EXCEPTIONS = [];

/** Every file of a layer and the files not yet assigned one; an unassigned file fails `layer-unknown`. */
const any = (names) => LAYERS.filter(([n]) => names.includes(n)).map(([, p]) => `(${p})`).join('|');
const after = (i) => LAYERS.slice(i + 1).map(([, p]) => `(${p})`).join('|');

const exceptionFroms = EXCEPTIONS.map(([from]) => from);

const layerRules = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `against-the-flow-from-${name}`,
  comment: `${name} imports a later layer (${LAYERS.slice(i + 1)
    .map(([n]) => n)
    .join(', ')}): the data flows the other way`,
  severity: 'error',
  from: { path, pathNot: exceptionFroms },
  to: { path: after(i) },
}));

const exceptionRules = EXCEPTIONS.map(([from, allowed, why]) => {
  const i = LAYERS.findIndex(([, p]) => new RegExp(p).test(from.replace(/\\/g, '').replace(/[$^]/g, '')));
  return {
    name: `against-the-flow-except-${from.replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}`,
    comment: `named exception: ${why}`,
    severity: 'error',
    from: { path: from },
    to: { path: after(i), pathNot: allowed },
  };
});

module.exports = {
  forbidden: [
    ...layerRules,
    ...exceptionRules,
    {
      name: 'layer-unknown',
      comment: 'every file under src/ belongs to a layer: add it to LAYERS in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: any(LAYERS.map(([n]) => n)) },
      to: {},
    },
    {
      name: 'workload-through-its-own-view',
      comment:
        'the workload sees a federation through FederationView (workload/workload.ts) and CQL through runtime/cql.ts, never the runtime class',
      severity: 'error',
      from: { path: '^src/workload/' },
      to: { path: '^src/runtime/', pathNot: '^src/runtime/cql\\.ts$' },
    },
    {
      name: 'judged-without-an-engine',
      comment: 'checkers and reports judge a run folder again (`fedsim check`): they never reach the runtime or the live run',
      severity: 'error',
      from: { path: '^src/(checkers|report)/' },
      to: { path: '^src/(runtime/|workload/(workload|pacer)\\.ts$)' },
    },
    {
      name: 'drivers-only-in-runtime',
      comment: 'dockerode and cassandra-driver are the runtime’s to use: src/runtime/ is the door to Docker and the databases',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/runtime/' },
      to: { path: '(^|/)node_modules/(@types/)?(dockerode|cassandra-driver)/' },
    },
    {
      name: 'dockerode-only-in-the-engine',
      comment:
        'the rest of the runtime reaches Docker through the Engine’s verbs (runtime/engine.ts): the seam a second runtime implements',
      severity: 'error',
      from: { path: '^src/runtime/', pathNot: '^src/runtime/engine\\.ts$' },
      to: { path: '(^|/)node_modules/(@types/)?dockerode/' },
    },
    {
      name: 'checkers-do-no-io',
      comment: 'a checker is a pure function of the history, the fault log and the alerts: no files, sockets or processes',
      severity: 'error',
      from: { path: '^src/checkers/' },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(fs|fs/promises|net|http|https|http2|dgram|dns|dns/promises|tls|child_process|cluster|worker_threads|os|readline|process)$',
      },
    },
    {
      name: 'no-circular',
      comment: 'a cycle makes two modules one; split what both need into a third',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
