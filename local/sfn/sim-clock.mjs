// Simulated time for the engine process, the same mapping as the local cloud's SimClock (C#):
//
//   simulated ms = originMs + (Date.now() of the system − baseMs) × scale
//
// installSimClock({ scale, originMs, baseMs }) replaces, for everything loaded after it:
//   * Date.now() and new Date() (no arguments) → the simulated now; new Date(x), Date.parse, Date.UTC are unchanged;
//   * setTimeout / setInterval → fire after their delay in SIMULATED ms (delay ÷ scale real ms); clearTimeout /
//     clearInterval accept the returned handles.
// So Wait states (Seconds, SecondsPath, Timestamp, TimestampPath), Task TimeoutSeconds, Retry intervals and the
// execution's TimeoutSeconds of aws-local-stepfunctions (whose sleep() and timeouts use the global setTimeout and
// Date.now) run in simulated time, and every event timestamp is simulated.
//
// A timer never fires before its simulated due time by the simulated clock: when the real timer fires early (the
// event loop's cached time, rounding) or its delay exceeds Node's 2^31−1 ms limit, it re-arms for what is left.
const RealDate = globalThis.Date;
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const MaxRealDelay = 2147483647;

export function installSimClock({ scale, originMs, baseMs }) {
  if (!(Number.isFinite(scale) && scale > 0) || !Number.isFinite(originMs) || !Number.isFinite(baseMs)) {
    throw new Error(`invalid simulated clock: scale ${scale}, originMs ${originMs}, baseMs ${baseMs}`);
  }

  const realNow = () => RealDate.now();
  const exactNow = () => originMs + (realNow() - baseMs) * scale;
  const now = () => Math.floor(exactNow());
  const byId = new Map();
  let nextId = 1;

  const SimDate = new Proxy(RealDate, {
    construct(target, args, newTarget) {
      return Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget === SimDate ? target : newTarget);
    },
    apply() {
      return new RealDate(now()).toString();
    },
    get(target, property) {
      return property === "now" ? now : Reflect.get(target, property, target);
    },
  });

  class SimTimer {
    constructor(callback, args, delay, repeat) {
      this.callback = callback;
      this.args = args;
      this.delay = delay;
      this.repeat = repeat;
      this.referenced = true;
      this.closed = false;
      this.id = 0;
      this.arm();
    }

    arm() {
      this.due = exactNow() + this.delay;
      this.schedule(this.delay);
    }

    schedule(simulatedMs) {
      this.timer = realSetTimeout(() => this.fire(), Math.min(MaxRealDelay, Math.max(1, Math.ceil(simulatedMs / scale))));
      if (!this.referenced) this.timer.unref();
    }

    fire() {
      if (this.closed) return;
      const left = this.due - exactNow();
      if (left > 0) {
        this.schedule(left);
        return;
      }

      if (this.repeat) this.arm();
      else this.close();
      this.callback(...this.args);
    }

    close() {
      this.closed = true;
      realClearTimeout(this.timer);
      if (this.id) byId.delete(this.id);
      return this;
    }

    ref() {
      this.referenced = true;
      this.timer.ref();
      return this;
    }

    unref() {
      this.referenced = false;
      this.timer.unref();
      return this;
    }

    hasRef() {
      return this.referenced;
    }

    refresh() {
      if (!this.closed) {
        realClearTimeout(this.timer);
        this.arm();
      }

      return this;
    }

    [Symbol.toPrimitive]() {
      if (!this.id) {
        this.id = nextId++;
        byId.set(this.id, this);
      }

      return this.id;
    }

    [Symbol.dispose]() {
      this.close();
    }
  }

  const start = (repeat) =>
    function simulatedTimer(callback, delay, ...args) {
      if (typeof callback !== "function") return realSetTimeout(callback, delay, ...args); // Node's own TypeError
      const ms = Number(delay);
      return new SimTimer(callback, args, Number.isFinite(ms) && ms >= 1 ? ms : 1, repeat);
    };

  const clear = (handle) => {
    const timer = handle instanceof SimTimer ? handle : byId.get(Number(handle));
    if (timer) timer.close();
    else if (handle !== undefined && handle !== null) realClearTimeout(handle);
  };

  globalThis.Date = SimDate;
  globalThis.setTimeout = start(false);
  globalThis.setInterval = start(true);
  globalThis.clearTimeout = clear;
  globalThis.clearInterval = clear;
  return { now };
}
