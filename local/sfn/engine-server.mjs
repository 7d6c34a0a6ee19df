// The Step Functions engine of the EfsDr local cloud: ONE Node process runs every execution, concurrently, in
// aws-local-stepfunctions 3.0.0, on the cloud's simulated clock.
//
//   EFSDR_SIM_CLOCK='{"scale":60,"originMs":…,"baseMs":…}' node --require ./polyfill.cjs engine-server.mjs
//
// EFSDR_SIM_CLOCK is the cloud's SimClock: simulated ms = originMs + (system Date.now() − baseMs) × scale. It is
// installed (sim-clock.mjs) before the engine is imported, so Wait states, Task and execution TimeoutSeconds and Retry
// intervals run in simulated time and every timestamp below is simulated ms. Without it the clock is real (scale 1).
//
// stdin: one JSON object per line (a job), each with "kind" and "id" (the execution ARN):
//   {"kind":"start","id","definition":{ASL},"input":<JSON>,"context":{Execution:{…},StateMachine:{…}},"region"}
//       runs an execution; its Task states call Lambda Invoke in "region" at AWS_ENDPOINT_URL_LAMBDA.
//   {"kind":"stop","id"}  aborts that execution (StopExecution); unknown or finished ids are ignored.
//   {"kind":"define","id","definition","region"}  validates a definition ahead of its first start (id: the state
//       machine ARN; no answer). Validated definitions are kept: a start of the same definition and region reuses it.
// stdin closing ends the process.
//
// stdout: one JSON object per line, each with "kind" first and, except for a process-wide "fatal", the execution's "id":
//   {"kind":"engine","id","event":{…}}  an event of the engine's event log (execution.eventLogs), in order; a
//                                       non-string Cause is serialised to JSON text.
//   {"kind":"lambda","id","phase":"scheduled"|"succeeded"|"failed","invocation":n,"functionName",…,"timestamp":ms}
//                                       one Lambda Invoke made by a Task state, with the real payload and result.
//   {"kind":"result","id","status":"SUCCEEDED"|"FAILED"|"TIMED_OUT"|"ABORTED",…}  the last line of an execution.
//   {"kind":"fatal","id","error","cause"}  the engine could not run that execution (invalid ASL, crash); its last line.
//   {"kind":"fatal","error","cause"}       (no id) the process cannot run anything (engine not installed, bad clock); it exits.
// Anything else on stdout or stderr (the SDK's Node version warning) is not protocol.
//
// Task states call Lambda Invoke through the engine's own LambdaClient (AWS SDK for JS v3), which honours
// AWS_ENDPOINT_URL_LAMBDA. LambdaClient.prototype.send is wrapped to report each invocation (the execution is known from
// an AsyncLocalStorage set around each run) and to raise errors as Step Functions does: a function error is named by its
// errorType with the error document as Cause; a Lambda service error is "Lambda.<Code>", a transport error
// "Lambda.SdkClientException".
import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { installSimClock } from "./sim-clock.mjs";

// AWS's default Task timeout; the engine's own default (60 s) would cut long Lambda calls short.
const AwsDefaultTaskTimeoutSeconds = 99999999;

function emit(record) {
  process.stdout.write(JSON.stringify(record) + "\n");
}

function exit(record) {
  process.stdout.write(JSON.stringify(record) + "\n", () => process.exit(1));
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

// Every Task state, at any depth (Parallel branches, Map processors), gets AWS's default timeout when it has none.
function withAwsTaskTimeouts(states) {
  for (const state of Object.values(states ?? {})) {
    if (state.Type === "Task" && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = AwsDefaultTaskTimeoutSeconds;
    }

    for (const branch of state.Branches ?? []) withAwsTaskTimeouts(branch.States);
    withAwsTaskTimeouts((state.ItemProcessor ?? state.Iterator)?.States);
  }
}

function clockFromEnvironment() {
  const raw = process.env.EFSDR_SIM_CLOCK;
  if (!raw) return null;
  const clock = JSON.parse(raw);
  return { scale: Number(clock.scale), originMs: Number(clock.originMs), baseMs: Number(clock.baseMs) };
}

let engine;
let lambdaModule;
let clockReady = false;
try {
  const clock = clockFromEnvironment();
  if (clock) installSimClock(clock);
  clockReady = true;
} catch (error) {
  exit({ kind: "fatal", error: "LocalCloud.EngineError", cause: `EFSDR_SIM_CLOCK: ${error.message}` });
}

try {
  if (!clockReady) throw new Error("no clock");
  const enginePath = fileURLToPath(import.meta.resolve("aws-local-stepfunctions"));
  engine = await import("aws-local-stepfunctions");
  // The same module instance the engine imports (CommonJS main of @aws-sdk/client-lambda), resolved from the engine.
  lambdaModule = createRequire(enginePath)("@aws-sdk/client-lambda");
} catch (error) {
  engine = undefined;
  if (clockReady) exit({ kind: "fatal", error: "LocalCloud.EngineUnavailable", cause: `aws-local-stepfunctions is not installed (npm ci): ${error.message}` });
}

const current = new AsyncLocalStorage();
const running = new Map();

function wrapLambdaSend() {
  const originalSend = lambdaModule.LambdaClient.prototype.send;
  let nextInvocation = 0;
  lambdaModule.LambdaClient.prototype.send = async function send(command, ...rest) {
    if (!(command instanceof lambdaModule.InvokeCommand)) return originalSend.call(this, command, ...rest);
    const id = current.getStore();
    const invocation = ++nextInvocation;
    const functionName = command.input.FunctionName;
    // Let the event-log pump write the engine events queued so far (StateEntered …) first.
    await new Promise((resolve) => setImmediate(resolve));
    emit({ kind: "lambda", id, phase: "scheduled", invocation, functionName, payload: decode(command.input.Payload), timestamp: Date.now() });
    let response;
    try {
      response = await originalSend.call(this, command, ...rest);
    } catch (error) {
      const service = error && typeof error === "object" && "$metadata" in error && error.name;
      const failure = new Error(error?.message ?? String(error));
      failure.name = service ? `Lambda.${error.name}` : "Lambda.SdkClientException";
      emit({ kind: "lambda", id, phase: "failed", invocation, functionName, error: failure.name, cause: failure.message, timestamp: Date.now() });
      throw failure;
    }

    const payload = decode(response.Payload);
    if (response.FunctionError) {
      // As in AWS: Error = the errorType, Cause = the function's error document as JSON text. (Left to the engine, the
      // Cause a Catch sees would be "errorType: errorMessage".)
      const failure = new Error(text(payload) ?? "");
      failure.name = typeof payload?.errorType === "string" ? payload.errorType : "Lambda.Unknown";
      emit({ kind: "lambda", id, phase: "failed", invocation, functionName, error: failure.name, cause: failure.message, timestamp: Date.now() });
      throw failure;
    }

    emit({ kind: "lambda", id, phase: "succeeded", invocation, functionName, output: payload, timestamp: Date.now() });
    return response;
  };
}

function finalOf(event) {
  switch (event.type) {
    case "ExecutionSucceeded":
      return { status: "SUCCEEDED", output: event.output };
    case "ExecutionFailed":
      return { status: "FAILED", error: event.Error, cause: event.Cause };
    case "ExecutionTimeout":
      return { status: "TIMED_OUT", error: "States.Timeout" };
    case "ExecutionAborted":
      return { status: "ABORTED" };
    default:
      return null;
  }
}

// Constructing a StateMachine validates the definition (asl-validator compiles its schemas every time: 0.3–0.9 s of
// CPU that would stall every other execution's timers), so each definition is validated once and its machine reused.
const machines = new Map();

function machineFor(definition, region) {
  const key = `${region}\n${JSON.stringify(definition)}`;
  let machine = machines.get(key);
  if (!machine) {
    const copy = structuredClone(definition);
    withAwsTaskTimeouts(copy?.States);
    machine = new engine.StateMachine(copy, {
      validationOptions: { checkArn: true, checkPaths: true },
      awsConfig: { region, credentials: { accessKeys: { accessKeyId: "local", secretAccessKey: "local" } } },
    });
    machines.set(key, machine);
  }

  return machine;
}

async function run(job) {
  const id = job.id;
  let machine;
  try {
    machine = machineFor(job.definition, job.region ?? process.env.AWS_REGION ?? "us-east-1");
  } catch (error) {
    emit({ kind: "fatal", id, error: "LocalCloud.InvalidDefinition", cause: error.message });
    return;
  }

  let final = null;
  try {
    const execution = machine.run(job.input ?? {}, { context: job.context ?? {} });
    running.set(id, execution);
    const pump = (async () => {
      for await (const event of execution.eventLogs) {
        const copy = { ...event };
        if ("Cause" in copy) copy.Cause = text(copy.Cause);
        if ("Error" in copy && typeof copy.Error !== "string") copy.Error = text(copy.Error);
        final = finalOf(copy) ?? final;
        emit({ kind: "engine", id, event: copy });
      }
    })();
    try {
      await execution.result;
    } catch {
      // the event log says how it ended
    }

    await pump;
    emit(final ? { kind: "result", id, ...final } : { kind: "fatal", id, error: "LocalCloud.EngineError", cause: "the engine ended without a final event" });
  } catch (error) {
    emit({ kind: "fatal", id, error: "LocalCloud.EngineError", cause: error?.stack ?? String(error) });
  } finally {
    running.delete(id);
  }
}

function accept(line) {
  if (line.trim().length === 0) return;
  let job;
  try {
    job = JSON.parse(line);
  } catch (error) {
    process.stderr.write(`engine-server: a job line is not JSON: ${error.message}\n`);
    return;
  }

  if (job.kind === "start" && typeof job.id === "string" && !running.has(job.id)) {
    current.run(job.id, () => run(job));
  } else if (job.kind === "stop") {
    running.get(job.id)?.abort();
  } else if (job.kind === "define") {
    try {
      machineFor(job.definition, job.region ?? process.env.AWS_REGION ?? "us-east-1");
    } catch {
      // reported by the first start of that definition
    }
  }
}

if (engine) {
  // One execution's stray rejection must not end the others: it is logged, and that execution ends by its own events.
  process.on("unhandledRejection", (reason) => process.stderr.write(`engine-server: unhandled rejection: ${reason?.stack ?? reason}\n`));
  wrapLambdaSend();
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on("line", accept);
  lines.on("close", () => process.stdout.write("", () => process.exit(0)));
}
