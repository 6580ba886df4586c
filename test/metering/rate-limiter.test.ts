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

test('a subject whose limit changes gets a bucket at the new limit, and tickets settle into the bucket in use', () => {
  let now = 0;
  const rl = new RateLimiter(() => now);
  const at = (rpm: number, tpm: number) => [{ id: 'key:k', limits: { rpm, tpm } }];
  assert.ok(rl.admit(at(1, 1000), 0).ok);
  assert.ok(!rl.admit(at(1, 1000), 0).ok, 'one request a minute: the second waits');
  // An operator raises the key's limits: a full bucket at the new size, not the old one's level.
  const raised = rl.admit(at(3, 2000), 1500);
  assert.ok(raised.ok);
  assert.equal(raised.state.limitRequests, 3);
  assert.equal(raised.state.remainingRequests, 2);
  assert.equal(raised.state.remainingTokens, 500);
  rl.settle(raised.ticket, 100);
  const after = rl.admit(at(3, 2000), 0);
  assert.ok(after.ok);
  assert.equal(after.state.remainingTokens, 1900, 'the settle returned 1,400 tokens to the bucket in use');
  // Back to the old limit: a fresh bucket again, never the raised one's level under a smaller capacity.
  const lowered = rl.admit(at(1, 1000), 0);
  assert.ok(lowered.ok);
  assert.equal(lowered.state.remainingRequests, 0);
  assert.equal(lowered.state.remainingTokens, 1000);
  assert.ok(!rl.admit(at(1, 1000), 0).ok);
});
