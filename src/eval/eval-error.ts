/**
 * A problem with what the user asked the evaluator to do (a suite that does not parse, an unknown contender, an
 * unsupported promptfoo assertion). The CLI prints its message as one line. Failures of calls and grades are not
 * errors but data (`{ ok: false, error }`), so they never abort a run.
 */
export class EvalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EvalError';
  }
}
