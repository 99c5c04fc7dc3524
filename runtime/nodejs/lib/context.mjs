// The context object a handler receives, with the fields AWS's Node.js
// runtime gives it.

import { FaultError, CONTEXT_UNMARSHAL_ERROR } from "./errors.mjs";

// newContext returns the context of invocation. settle(err, result) ends
// the invocation; done, succeed and fail call it, as AWS's do.
// callbackWaitsForEmptyEventLoop is read by the loop when the callback is
// called.
export function newContext(invocation, settle) {
  const env = process.env;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: invocation.functionArn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: invocation.requestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: parse(invocation.cognitoIdentity, "Cognito Identity"),
    clientContext: parse(invocation.clientContext, "Client Context"),
    // Milliseconds left until the invocation's deadline, never negative.
    getRemainingTimeInMillis: () => Math.max(invocation.deadlineMs - Date.now(), 0),
    done: (err, result) => settle(err, result),
    succeed: (result) => settle(null, result),
    fail: (err) => settle(err ?? "handled"),
  };
  return context;
}

function parse(header, name) {
  if (!header) return undefined;
  let value;
  try {
    value = JSON.parse(header);
  } catch (err) {
    throw new FaultError(CONTEXT_UNMARSHAL_ERROR, `Unable to parse ${name} JSON: ${err.message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new FaultError(CONTEXT_UNMARSHAL_ERROR, `Unable to parse ${name} JSON: not an object`);
  }
  return value;
}
