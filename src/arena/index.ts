/**
 * Public surface of the arena: blind matches and votes, battles recorded through the API, the LLM judge (run over a
 * prompt file, or on shadow traffic), and the Bradley–Terry leaderboard over the battles table.
 */
export type { ArenaDeps, Caller } from './arena-deps.js';
export { buildBattle, type NewBattle } from './battle.js';
export { BattleFileError, importBattleFile, type ImportOptions, type ImportSummary } from './battle-import.js';
export { admitAll, callBody, callContender, type ArenaCallDeps, type CallMeta, type CallResult, type ChatMessage, type Settle, type SpendGuard } from './contender-call.js';
export { judgePair, type GameRecord, type JudgeInput, type JudgeOutcome } from './judge.js';
export { DEFAULT_JUDGE_PROMPT, parseJudgePrompt, renderJudgePrompt, VERDICT_REMINDER, type JudgePrompt } from './judge-prompt.js';
export { runJudge, type JudgeRunOptions, type JudgeRunSummary } from './judge-run.js';
export { detectLanguage, normaliseLanguage } from './language.js';
export { computeLeaderboard, type Leaderboard, type LeaderboardData, type LeaderboardOptions, type LeaderboardRow } from './leaderboard.js';
export { leaderboardScope, queryLeaderboard, type LeaderboardQuery, type LeaderboardReport } from './leaderboard-query.js';
export { castVote, createMatch, openMatch, storeMatch, type MatchRequest, type MatchView, type OpenedMatch, type VoteResult } from './match.js';
export { choosePair, type PairingInput } from './pairing.js';
export { PairingStatsCache, pairingStatsFrom, readPairingStats, type PairingStats } from './pairing-stats.js';
export { parsePromptsFile, type ArenaPrompt } from './prompts-file.js';
export { promptHash, questionText, transcript } from './prompt-text.js';
export { arenaContenders, isRetired, ownerOf, raceMembers } from './race-members.js';
export { MAX_BATTLES_PER_REQUEST, parseBattleInputs, recordBattles, TagsSchema, type BattleInput } from './record-battles.js';
export { judgeShadowPair, type ServedRequest, type ShadowJudgeDeps } from './shadow-judge.js';
export { markdownCounts, STYLE_FEATURES, styleCounts } from './style.js';
export { parseVerdict, type Verdict } from './verdict.js';
export { parseLeaderboardParams } from './leaderboard-params.js';
export { LeaderboardCache } from './leaderboard-cache.js';
export { startStreamedMatch, type MatchStreamEvent, type Side, type StreamedMatch } from './match-stream.js';
