// The invoke loop: take an event, call the handler, post how it ended.
//
// A handler ends its invocation the ways AWS's Node.js runtime lets it:
// the promise it returns settles (an async handler); it calls the callback,
// its third argument, which waits for the event loop to empty first unless
// context.callbackWaitsForEmptyEventLoop is false; it calls context.done,
// succeed or fail, which do not wait; or, none of these, the event loop
// empties, and the invocation's result is null.

import { newContext } from "./context.mjs";
import { document, FaultError, MARSHAL_ERROR } from "./errors.mjs";
import { logError, setRequestId } from "./logs.mjs";
import { ResponseStream } from "./responsestream.mjs";
import { invokeStreaming } from "./streaming.mjs";

// current is the id of the invocation in progress, "" between them;
// currentStream its ResponseStream if its handler streams.
let current = "";
let currentStream;

// reportFatal reports the error document doc, of an exception that ends
// the process, as the outcome of the invocation in progress, through its
// stream if that has started, or else of the init.
export function reportFatal(client, doc) {
  if (!current) return client.postInitError(doc);
  if (currentStream?.fail(doc)) return currentStream.answered();
  return client.postError(current, doc);
}

// run serves invocations until the Runtime API fails (RuntimeAPIError).
// A streaming handler (awslambda.streamifyResponse) comes with stream, its
// options (streaming in awslambda.mjs); it is undefined for others.
export async function run(client, handler, stream) {
  for (;;) {
    const invocation = await client.next();
    current = invocation.requestId;
    setRequestId(invocation.requestId);
    if (invocation.traceId) {
      process.env._X_AMZN_TRACE_ID = invocation.traceId;
    } else {
      delete process.env._X_AMZN_TRACE_ID;
    }
    if (stream !== undefined) {
      currentStream = new ResponseStream(client, invocation.requestId, stream.highWaterMark);
      await invokeStreaming(client, handler, invocation, currentStream);
      current = "";
      currentStream = undefined;
      continue;
    }
    const outcome = await invoke(handler, invocation);
    let body;
    if (!("err" in outcome)) {
      try {
        body = Buffer.from(JSON.stringify(outcome.result === undefined ? null : outcome.result));
      } catch (err) {
        outcome.err = new FaultError(MARSHAL_ERROR, `Unable to stringify response body: ${err.message}`);
      }
    }
    if ("err" in outcome) {
      const doc = document(outcome.err);
      logError("Invoke Error", doc);
      await client.postError(invocation.requestId, doc);
    } else {
      await client.postResponse(invocation.requestId, body, "application/json");
    }
    current = "";
  }
}

// invoke calls handler with the invocation's event and context and
// resolves to {result} or {err} when the invocation ends.
function invoke(handler, invocation) {
  return new Promise((resolve) => {
    let ended = false;
    let waiting = { result: null }; // what an emptied event loop ends it with
    const end = (outcome) => {
      if (ended) {
        console.error("Invocation has already been reported as done. Cannot call complete more than once per invocation.");
        return;
      }
      ended = true;
      process.off("beforeExit", onEmpty);
      resolve(outcome);
    };
    const onEmpty = () => setImmediate(() => end(waiting));
    const outcome = (err, result) => (err !== undefined && err !== null ? { err } : { result });
    process.on("beforeExit", onEmpty);
    let context;
    let called = false;
    const callback = (err, result) => {
      if (called) return;
      called = true;
      if (context.callbackWaitsForEmptyEventLoop) {
        waiting = outcome(err, result);
      } else {
        end(outcome(err, result));
      }
    };
    try {
      context = newContext(invocation, (err, result) => end(outcome(err, result)));
      const result = handler(invocation.event(), context, callback);
      if (typeof result?.then === "function") {
        result.then((value) => !ended && end({ result: value }), (err) => !ended && end({ err: err ?? "handled" }));
      }
    } catch (err) {
      end({ err });
    }
  });
}
