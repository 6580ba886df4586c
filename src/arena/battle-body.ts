/**
 * The check of a battle upload's body (`POST /v1/arena/battles`, up to 10,000 battles), run on the gateway's body
 * threads: they import this module by its URL and call `checkBody` on the parsed JSON, off the event loop.
 */
import { parseBattleInputs } from './record-battles.js';

export const checkBody = parseBattleInputs;

/** This module, for the body threads to import (its `.ts` source under tsx, its `.js` build otherwise). */
export const BATTLE_BODY_CHECK = import.meta.url;
