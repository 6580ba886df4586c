/** The evaluation capability's public surface: suites and twins, graders, runs, reports, the launch gate. */
export { loadSuite } from './suite.js';
export type { Suite, SuiteItem } from './suite-types.js';
export { SuiteSchema, type GraderSpec } from './suite-schema.js';
export { suiteVariants, parseTwinKinds, autoTwinKinds, TWIN_KINDS, GENERATED_TWIN_KINDS, type TwinKind } from './twins/index.js';
export type { Variant } from './variant.js';
export { gradeAnswer, GRADERS } from './graders/registry.js';
export type { Grade } from './graders/grade.js';
export { createRun, type NewRunOptions, type CreatedRun } from './create-run.js';
export { executeRun, type RunProgress, type RunOutcome, type RunnerOptions } from './runner.js';
export { loadRunResults, type RunResults } from './run-results.js';
export { buildReport, type EvalReport, type ContenderReport } from './report.js';
export { renderReportText } from './report-text.js';
export { renderReportMarkdown } from './report-markdown.js';
export { renderProgress } from './progress.js';
export { evaluateGate, type GateSettings, type GateVerdict, type GateCheck } from './gate.js';
export { parseMoney, type Money } from './money.js';
export { EvalError } from './eval-error.js';
