// A streaming handler's invocation: awslambda.streamifyResponse's handler
// is called with (event, responseStream, context) and must return a
// promise, as on AWS.
//
// The invocation succeeds when the handler's promise resolves and the
// stream has ended (end(), or a pipeline that ends it), whichever comes
// last. It fails with the handler's error, the stream's error (destroy(err),
// a broken pipeline), or "Response stream is not finished." if the event
// loop empties with nothing written and the stream not ended; a stream
// that has started keeps its post, and so the event loop, open until it
// ends or the function times out, as on AWS. Then comes, as for callback
// handlers, the wait for the event loop to empty unless
// context.callbackWaitsForEmptyEventLoop is false.

import { newContext } from "./context.mjs";
import { RuntimeAPIError } from "./client.mjs";
import { document } from "./errors.mjs";
import { logError } from "./logs.mjs";

// invokeStreaming runs handler for invocation with stream, its
// ResponseStream, and resolves once the Runtime API has taken the outcome;
// it rejects with a RuntimeAPIError.
export async function invokeStreaming(client, handler, invocation, stream) {
  let streamErr;
  // A stream's error ends the invocation: it is never an uncaught one.
  stream.on("error", (err) => {
    streamErr ??= err;
  });
  const closed = new Promise((resolve) => stream.once("close", resolve));
  let context;
  let err;
  try {
    context = newContext(invocation, () => {});
    // AWS's streaming context has none of these.
    delete context.done;
    delete context.succeed;
    delete context.fail;
    const result = handler(invocation.event(), stream, context);
    if (typeof result?.then !== "function") {
      err = "Streaming does not support non-async handlers.";
    } else if (await result !== undefined) {
      console.warn("Streaming handlers ignore return values.");
    }
  } catch (thrown) {
    err = thrown ?? "handled";
  }
  if (err === undefined) {
    const emptied = untilEmpty();
    await Promise.race([closed, emptied.promise]);
    emptied.cancel();
    if (streamErr instanceof RuntimeAPIError) throw streamErr;
    if (!stream.writableFinished) err = streamErr ?? "Response stream is not finished.";
  }
  if (err !== undefined) {
    const doc = document(err);
    logError("Invoke Error", doc);
    if (stream.fail(doc)) {
      await stream.answered();
    } else {
      await client.postError(invocation.requestId, doc);
    }
  }
  if (context?.callbackWaitsForEmptyEventLoop) await untilEmpty().promise;
}

// untilEmpty resolves when the event loop has nothing left to do.
function untilEmpty() {
  let onEmpty;
  const promise = new Promise((resolve) => {
    onEmpty = () => setImmediate(resolve);
    process.once("beforeExit", onEmpty);
  });
  return { promise, cancel: () => process.off("beforeExit", onEmpty) };
}
