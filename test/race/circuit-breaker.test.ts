import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CircuitBreaker } from '../../src/race/circuit-breaker.js';

test('opens after consecutive failures, lets one half-open probe through after the cooldown, closes on success', () => {
  let now = 0;
  const b = new CircuitBreaker(3, 1000, () => now);
  for (let i = 0; i < 2; i++) {
    assert.ok(b.tryPass());
    b.onFailure();
  }
  assert.equal(b.state, 'closed');
  assert.ok(b.tryPass());
  b.onFailure();
  assert.equal(b.state, 'open');
  assert.equal(b.tryPass(), false);
  now = 999;
  assert.equal(b.tryPass(), false);
  now = 1000;
  assert.equal(b.state, 'half_open');
  assert.ok(b.tryPass(), 'one probe');
  assert.equal(b.tryPass(), false, 'only one probe at a time');
  b.onSuccess();
  assert.equal(b.state, 'closed');
  assert.ok(b.tryPass());
});

test('a failed probe re-opens for a full cooldown; a success resets the failure count', () => {
  let now = 0;
  const b = new CircuitBreaker(2, 500, () => now);
  b.onFailure();
  b.onSuccess();
  b.onFailure();
  assert.equal(b.state, 'closed', 'failures must be consecutive');
  b.onFailure();
  assert.equal(b.state, 'open');
  now = 500;
  assert.ok(b.tryPass());
  b.onFailure();
  assert.equal(b.state, 'open');
  now = 999;
  assert.equal(b.tryPass(), false);
  now = 1000;
  assert.ok(b.tryPass());
});

test('a released probe frees the half-open slot without closing or re-opening the circuit', () => {
  let now = 0;
  const b = new CircuitBreaker(1, 100, () => now);
  b.onFailure();
  now = 100;
  assert.ok(b.tryPass());
  assert.equal(b.tryPass(), false);
  b.release();
  assert.equal(b.state, 'half_open');
  assert.ok(b.tryPass(), 'another probe may go');
});
