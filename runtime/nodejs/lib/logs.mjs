// Where the function's output goes.
//
// console's methods write one line per call in AWS's text format,
// <ISO time>\t<request id>\t<LEVEL>\t<message>, console.log, info, debug
// and trace to stdout, warn and error to stderr. Before the first
// invocation the request id is "undefined", as on AWS.

import { format } from "node:util";

const levels = {
  log: ["INFO", process.stdout],
  info: ["INFO", process.stdout],
  debug: ["DEBUG", process.stdout],
  trace: ["TRACE", process.stdout],
  warn: ["WARN", process.stderr],
  error: ["ERROR", process.stderr],
};

let requestId;

// setRequestId stamps the lines that follow with the invocation's id.
export function setRequestId(id) {
  requestId = id;
}

// line formats one log line, without its newline.
export function line(level, args) {
  return `${new Date().toISOString()}\t${requestId}\t${level}\t${format(...args)}`;
}

// patchConsole makes console's methods write Lambda's lines.
export function patchConsole() {
  for (const [method, [level, stream]] of Object.entries(levels)) {
    console[method] = (...args) => {
      if (method === "trace") {
        const err = { name: "Trace", message: format(...args) };
        Error.captureStackTrace(err, console[method]);
        args = [err.stack];
      }
      stream.write(line(level, args) + "\n");
    };
  }
}

// logError writes an error document as AWS logs an unhandled error:
// label is "Invoke Error" or "Uncaught Exception".
export function logError(label, doc) {
  const { errorType, errorMessage, trace } = doc;
  process.stderr.write(line("ERROR", [label, "\t" + JSON.stringify({ errorType, errorMessage, stack: trace })]) + "\n");
}
