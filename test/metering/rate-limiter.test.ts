import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from '../../src/metering/rate-limiter.js';

test('RPM admits up to the limit, refills over the minute, and reports retry-after', () => {
  let now = 0;
  const rl = new RateLimiter(() => now);
  const subj = [{ id: 'key:k', limits: { rpm: 3, tpm: null } }];
  for (let i = 0; i < 3; i++) assert.ok(rl.admit(subj, 0).ok);
  const denied = rl.admit(subj, 0);
  assert.ok(!denied.ok);
  assert.equal(denied.which, 'requests');
  assert.equal(denied.retryAfterMs, 20_000);
  assert.equal(denied.state.remainingRequests, 0);
  now = 20_000;
  assert.ok(rl.admit(subj, 0).ok);
});

test('TPM is all-or-nothing across key and team, and settles to the real count', () => {
  let now = 0;
  const rl = new RateLimiter(() => now);
  const subj = [
    { id: 'key:k', limits: { rpm: 100, tpm: 1000 } },
    { id: 'team:t', limits: { rpm: null, tpm: 600 } },
  ];
  const a = rl.admit(subj, 500);
  assert.ok(a.ok);
  assert.equal(a.state.remainingTokens, 100, 'the team bucket is the tightest');
  const b = rl.admit(subj, 200);
  assert.ok(!b.ok && b.which === 'tokens');
  rl.settle(a.ticket, 300); // used 300 of the 500 reserved
  const c = rl.admit(subj, 200);
  assert.ok(c.ok);
  assert.equal(c.state.remainingRequests, 98);
});
