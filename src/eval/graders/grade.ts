/** What every grader returns. A failed grade (`ok: false`) is data: the sample counts as an error, never a pass. */
import type { Message } from '../suite-schema.js';

export type Grade =
  | {
      ok: true;
      pass: boolean;
      /** In [0, 1]; 1 or 0 for deterministic graders, SCORE/10 for a judge. */
      score: number;
      /** The part of the answer that was compared (the number, the letter, the JSON), for answer consistency. */
      extracted: string | null;
      reason?: string;
    }
  | { ok: false; error: { code: string; message: string } };

/** Calls the judge contender with a prompt; the runner builds it (provider layer, retries, cost accounting). */
export type JudgeCall = (messages: Message[], contender: string | undefined) => Promise<{ ok: true; text: string } | { ok: false; error: { code: string; message: string } }>;

export interface GradeContext {
  expected: unknown;
  /** The options as this variant shows them (choice items). */
  choices: readonly string[] | null;
  /** The messages the contender saw (the judge reads the question from them). */
  messages: readonly Message[];
  judge: JudgeCall | null;
}

export const pass = (ok: boolean, extracted: string | null, reason?: string): Grade => ({ ok: true, pass: ok, score: ok ? 1 : 0, extracted, ...(reason ? { reason } : {}) });
export const gradeError = (code: string, message: string): Grade => ({ ok: false, error: { code, message } });
