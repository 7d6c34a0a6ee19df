// Runs ONE Step Functions execution in aws-local-stepfunctions 3.0.0 for the EfsDr local cloud.
//
//   node --require ./polyfill.cjs run-execution.mjs  < job.json
//
// job.json: { "definition": {ASL}, "input": <JSON value>, "context": {Execution:{Id,Name,...}, StateMachine:{Id,Name}},
//             "waitMilliseconds": 250, "retryMillisecondsPerSecond": 16.7 }
//
// Task states call Lambda Invoke through the engine's own LambdaClient (AWS SDK for JS v3), which honours
// AWS_ENDPOINT_URL_LAMBDA, so they land in the local cloud's Lambda emulator. LambdaClient.prototype.send is wrapped to
// report each invocation and to raise errors as Step Functions does: a function error is named by its errorType with
// the error document as Cause; a Lambda service error is "Lambda.<Code>", a transport error "Lambda.SdkClientException".
//
// stdout: one JSON object per line, each with "kind":
//   {"kind":"engine","event":{...}}  an event of the engine's event log (execution.eventLogs), in order; a non-string
//                                    Cause is serialised to JSON text (a Lambda error's cause is its error document).
//   {"kind":"lambda","phase":"scheduled"|"succeeded"|"failed","id":n,"functionName",...,"timestamp":ms}
//                                    one Lambda Invoke made by a Task state, with the real payload and result.
//   {"kind":"result","status":"SUCCEEDED"|"FAILED"|"TIMED_OUT"|"ABORTED",...}  the last line of a run.
//   {"kind":"fatal","error","cause"} the engine could not run the definition (invalid ASL, crash).
// Anything else on stdout or stderr (the SDK's Node version warning) is not protocol.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

function emit(record) {
  process.stdout.write(JSON.stringify(record) + "\n");
}

function finish(record, code) {
  process.stdout.write(JSON.stringify(record) + "\n", () => process.exit(code));
}

function text(value) {
  if (value === undefined || value === null) return null;
  return typeof value === "string" ? value : JSON.stringify(value);
}

function decode(bytes) {
  if (bytes === undefined || bytes === null) return null;
  const raw = typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes);
  if (raw.length === 0) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

// Every Wait and retrying state, at any depth (Parallel branches, Map processors).
function collectStates(states, into) {
  for (const [name, state] of Object.entries(states ?? {})) {
    into.push([name, state]);
    for (const branch of state.Branches ?? []) collectStates(branch.States, into);
    collectStates((state.ItemProcessor ?? state.Iterator)?.States, into);
  }
  return into;
}

let job;
try {
  job = JSON.parse(readFileSync(0, "utf8"));
} catch (error) {
  finish({ kind: "fatal", error: "LocalCloud.EngineError", cause: `the job on stdin is not JSON: ${error.message}` }, 1);
}

if (job) {
  let engine;
  let lambdaModule;
  try {
    const enginePath = fileURLToPath(import.meta.resolve("aws-local-stepfunctions"));
    engine = await import("aws-local-stepfunctions");
    // The same module instance the engine imports (CommonJS main of @aws-sdk/client-lambda), resolved from the engine.
    lambdaModule = createRequire(enginePath)("@aws-sdk/client-lambda");
  } catch (error) {
    finish({ kind: "fatal", error: "LocalCloud.EngineUnavailable", cause: `aws-local-stepfunctions is not installed (npm ci): ${error.message}` }, 1);
  }

  if (engine) {
    // Report each Lambda Invoke with its real payload and result, and name Lambda service errors as Step Functions
    // does ("Lambda.<ErrorCode>", "Lambda.SdkClientException"), so the ASL's Retry/Catch match them.
    const originalSend = lambdaModule.LambdaClient.prototype.send;
    let nextInvocation = 0;
    lambdaModule.LambdaClient.prototype.send = async function send(command, ...rest) {
      if (!(command instanceof lambdaModule.InvokeCommand)) return originalSend.call(this, command, ...rest);
      const id = ++nextInvocation;
      const functionName = command.input.FunctionName;
      // Let the event-log pump write the engine events queued so far (StateEntered …) first.
      await new Promise((resolve) => setImmediate(resolve));
      emit({ kind: "lambda", phase: "scheduled", id, functionName, payload: decode(command.input.Payload), timestamp: Date.now() });
      let response;
      try {
        response = await originalSend.call(this, command, ...rest);
      } catch (error) {
        const service = error && typeof error === "object" && "$metadata" in error && error.name;
        const failure = new Error(error?.message ?? String(error));
        failure.name = service ? `Lambda.${error.name}` : "Lambda.SdkClientException";
        emit({ kind: "lambda", phase: "failed", id, functionName, error: failure.name, cause: failure.message, timestamp: Date.now() });
        throw failure;
      }

      const payload = decode(response.Payload);
      if (response.FunctionError) {
        // As in AWS: Error = the errorType, Cause = the function's error document as JSON text. (Left to the engine, the
        // Cause a Catch sees would be "errorType: errorMessage".)
        const failure = new Error(text(payload) ?? "");
        failure.name = typeof payload?.errorType === "string" ? payload.errorType : "Lambda.Unknown";
        emit({ kind: "lambda", phase: "failed", id, functionName, error: failure.name, cause: failure.message, timestamp: Date.now() });
        throw failure;
      }

      emit({ kind: "lambda", phase: "succeeded", id, functionName, output: payload, timestamp: Date.now() });
      return response;
    };

    const all = collectStates(job.definition.States, []);
    const waitTimeOverrides = {};
    const retryIntervalOverrides = {};
    const perSecond = Number(job.retryMillisecondsPerSecond ?? 0);
    for (const [name, state] of all) {
      if (state.Type === "Wait") waitTimeOverrides[name] = Number(job.waitMilliseconds ?? 0);
      if (Array.isArray(state.Retry)) {
        retryIntervalOverrides[name] = state.Retry.map((r) => Math.max(0, Math.round((r.IntervalSeconds ?? 1) * perSecond)));
      }
    }

    let machine;
    try {
      machine = new engine.StateMachine(job.definition, { validationOptions: { checkArn: true, checkPaths: true } });
    } catch (error) {
      finish({ kind: "fatal", error: "LocalCloud.InvalidDefinition", cause: error.message }, 1);
    }

    if (machine) {
      let final = null;
      try {
        const execution = machine.run(job.input ?? {}, {
          overrides: { waitTimeOverrides, retryIntervalOverrides },
          context: job.context ?? {},
        });
        const pump = (async () => {
          for await (const event of execution.eventLogs) {
            const copy = { ...event };
            if ("Cause" in copy) copy.Cause = text(copy.Cause);
            if ("Error" in copy && typeof copy.Error !== "string") copy.Error = text(copy.Error);
            if (copy.type === "ExecutionSucceeded") final = { kind: "result", status: "SUCCEEDED", output: copy.output };
            if (copy.type === "ExecutionFailed") final = { kind: "result", status: "FAILED", error: copy.Error, cause: copy.Cause };
            if (copy.type === "ExecutionTimeout") final = { kind: "result", status: "TIMED_OUT", error: "States.Timeout" };
            if (copy.type === "ExecutionAborted") final = { kind: "result", status: "ABORTED" };
            emit({ kind: "engine", event: copy });
          }
        })();
        try {
          await execution.result;
        } catch {
          // the event log says how it ended
        }

        await pump;
        finish(final ?? { kind: "fatal", error: "LocalCloud.EngineError", cause: "the engine ended without a final event" }, 0);
      } catch (error) {
        finish({ kind: "fatal", error: "LocalCloud.EngineError", cause: error?.stack ?? String(error) }, 1);
      }
    }
  }
}
