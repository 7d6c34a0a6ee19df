// Preloaded with `node --require ./polyfill.cjs` before aws-local-stepfunctions 3.0.0: its Task states call
// Promise.withResolvers, which Node only has from 22. On Node 22+ this does nothing.
"use strict";
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
