// The global awslambda object AWS's Node.js runtime gives functions:
// streamifyResponse, which marks a handler as streaming its response, and
// HttpResponseStream, which writes a function URL's status and headers
// ahead of the streamed body.
//
// The marks are the symbols AWS's runtime reads, so a library that sets
// them itself (rather than through the global) works here too.

import { FaultError, MALFORMED_STREAMING_HANDLER } from "./errors.mjs";
import { HttpResponseStream } from "./responsestream.mjs";

const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const HIGH_WATER_MARK = Symbol.for("aws.lambda.runtime.handler.streaming.highWaterMark");
const STREAM_RESPONSE = "response";

// streamifyResponse marks handler as one that is called with (event,
// responseStream, context); options.highWaterMark, a number, sizes the
// stream's buffer.
function streamifyResponse(handler, options) {
  handler[STREAMING] = STREAM_RESPONSE;
  if (typeof options?.highWaterMark === "number") {
    handler[HIGH_WATER_MARK] = Number.parseInt(options.highWaterMark, 10);
  }
  return handler;
}

// installGlobal defines globalThis.awslambda, before the function's code
// loads, unless AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA says not to, as on
// AWS.
export function installGlobal(env) {
  const off = env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (off === "1" || off === "true") return;
  globalThis.awslambda = { streamifyResponse, HttpResponseStream };
}

// streaming returns how handler wants its response: undefined for the
// usual way, or {highWaterMark} for a stream (highWaterMark undefined for
// the default). Any mark but streamifyResponse's is
// Runtime.MalformedStreamingHandler.
export function streaming(handler) {
  const mark = handler[STREAMING];
  if (mark === undefined || mark === null || mark === false) return undefined;
  if (mark !== STREAM_RESPONSE) {
    throw new FaultError(MALFORMED_STREAMING_HANDLER, "Only response streaming is supported.");
  }
  const hwm = Number.parseInt(handler[HIGH_WATER_MARK], 10);
  return { highWaterMark: Number.isNaN(hwm) ? undefined : hwm };
}
