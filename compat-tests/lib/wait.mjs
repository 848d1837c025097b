// Event helpers with deadlines. Nothing here sleeps and hopes.

function on(emitter, event, fn) {
  emitter.on(event, fn);
  return () => (emitter.off ? emitter.off(event, fn) : emitter.removeListener(event, fn));
}

/**
 * Resolve with the arguments array of the next `event`; reject after `ms`,
 * or as soon as one of `failOn` events fires (e.g. "close").
 */
export function once(emitter, event, ms = 5000, { failOn = [] } = {}) {
  return new Promise((resolve, reject) => {
    const offs = [];
    const done = () => { clearTimeout(timer); offs.forEach((f) => f()); };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timeout: no "${event}" event within ${ms} ms`));
    }, ms);
    offs.push(on(emitter, event, (...args) => { done(); resolve(args); }));
    for (const ev of failOn) {
      offs.push(on(emitter, ev, (...args) => {
        done();
        reject(new Error(`"${ev}" before "${event}": ${fmt(args)}`));
      }));
    }
  });
}

/** Resolve with the first `n` argument arrays of `event` (collected from now). */
export function collect(emitter, event, n, ms = 5000, { failOn = [] } = {}) {
  return new Promise((resolve, reject) => {
    const got = [];
    const offs = [];
    const done = () => { clearTimeout(timer); offs.forEach((f) => f()); };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timeout: got ${got.length}/${n} "${event}" events within ${ms} ms: ${fmt(got).slice(0, 500)}`));
    }, ms);
    offs.push(on(emitter, event, (...args) => {
      got.push(args);
      if (got.length >= n) { done(); resolve(got); }
    }));
    for (const ev of failOn) {
      offs.push(on(emitter, ev, (...args) => {
        done();
        reject(new Error(`"${ev}" after ${got.length}/${n} "${event}" events: ${fmt(args)}`));
      }));
    }
  });
}

/** Reject if `p` does not settle within `ms`. */
export function withDeadline(p, ms, what = "operation") {
  let timer;
  return Promise.race([
    p,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout: ${what} did not finish within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Call `fn` until it returns a truthy value or the deadline passes (for polling a server). */
export async function until(fn, ms, what = "condition", stepMs = 50) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timeout: ${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

function fmt(v) {
  try {
    return JSON.stringify(v, (k, x) => (x instanceof Error ? { message: x.message, ...x } : x));
  } catch {
    return String(v);
  }
}
