/**
 * fedsim from code: the curated public API (`import { up, runScenario, check } from 'fedsim'`).
 * Everything else under dist/ is internal and may change between versions.
 */
export { checkRun } from './checkers/all.js';
export type { Verdict } from './checkers/verdict.js';
export { judgeSavedRun as check } from './commands/check.js';
export { FedsimError } from './errors.js';
export { type UpOptions, up } from './runtime/bringup.js';
export { connectEngine, type Engine, ensureEngine } from './runtime/engine.js';
export { attach, Federation } from './runtime/federation.js';
export { type LoadedScenario, loadScenario } from './scenarios/file.js';
export { type RunOptions, type RunResult, runScenario } from './scenarios/runner.js';
export { loadTopology } from './topology/file.js';
export type { Topology } from './topology/schema.js';
