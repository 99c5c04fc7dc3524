// Error documents the runtime posts, and the runtime's own error types.
//
// A document is {errorType, errorMessage, trace}, the shape AWS's Node.js
// runtime posts: an Error is reported with its name, message and stack
// lines; anything else thrown with its typeof and its string. A failure of
// the runtime contract (import, handler name, marshalling) has one of the
// Runtime.* types below.

import { types } from "node:util";

export const IMPORT_MODULE_ERROR = "Runtime.ImportModuleError";
export const USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError";
export const HANDLER_NOT_FOUND = "Runtime.HandlerNotFound";
export const MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName";
export const MARSHAL_ERROR = "Runtime.MarshalError";
export const UNMARSHAL_ERROR = "Runtime.UnmarshalError";
export const CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError";
export const UNHANDLED_PROMISE_REJECTION = "Runtime.UnhandledPromiseRejection";
export const MALFORMED_STREAMING_HANDLER = "Runtime.MalformedStreamingHandler";
export const INVALID_STREAMING_OPERATION = "Runtime.InvalidStreamingOperation";

// FaultError is a failure of the runtime contract, reported as its type.
export class FaultError extends Error {
  constructor(type, message, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = type;
  }
}

function isError(value) {
  return types.isNativeError(value) || value instanceof Error ||
    (value !== null && typeof value === "object" && typeof value.name === "string" &&
      typeof value.message === "string" && typeof value.stack === "string");
}

// document returns the error document of a thrown value.
export function document(err) {
  try {
    if (isError(err)) {
      const stack = typeof err.stack === "string" ? err.stack : `${err.name}: ${err.message}`;
      return { errorType: String(err.name), errorMessage: String(err.message), trace: stack.split("\n") };
    }
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
  } catch {
    return {
      errorType: "handled",
      errorMessage: "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
      trace: [],
    };
  }
}
