// Where the function's output goes.
//
// console's methods write one line per call in AWS's text format,
// <ISO time>\t<request id>\t<LEVEL>\t<message>, console.log, info, debug
// and trace to stdout, warn and error to stderr. Before the first
// invocation the request id is "undefined", as on AWS.
//
// When the function's LoggingConfig is JSON (AWS_LAMBDA_LOG_FORMAT=JSON),
// each call writes one JSON object instead, as AWS's Node.js runtime does:
// timestamp, level, requestId, message (a lone argument as it is, else the
// arguments formatted), and an Error's errorType, errorMessage and
// stackTrace; methods below AWS_LAMBDA_LOG_LEVEL (TRACE, DEBUG, INFO,
// WARN, ERROR, FATAL) write nothing.

import { format } from "node:util";

const levels = {
  log: ["INFO", process.stdout],
  info: ["INFO", process.stdout],
  debug: ["DEBUG", process.stdout],
  trace: ["TRACE", process.stdout],
  warn: ["WARN", process.stderr],
  error: ["ERROR", process.stderr],
};

const order = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

const json = (process.env.AWS_LAMBDA_LOG_FORMAT || "").toUpperCase() === "JSON";
const minLevel = Math.max(0, order.indexOf((process.env.AWS_LAMBDA_LOG_LEVEL || "").toUpperCase()));

let requestId;

// setRequestId stamps the lines that follow with the invocation's id.
export function setRequestId(id) {
  requestId = id;
}

// line formats one log line, without its newline.
export function line(level, args) {
  if (json) {
    return jsonLine(level, args);
  }
  return `${new Date().toISOString()}\t${requestId}\t${level}\t${format(...args)}`;
}

// errorFields is an Error as Lambda's JSON records describe one.
function errorFields(err) {
  return {
    errorType: err?.constructor?.name ?? err?.name ?? "Error",
    errorMessage: err.message,
    stackTrace: typeof err.stack === "string" ? err.stack.split("\n") : err.stack,
  };
}

// jsonLine is one JSON application log record.
function jsonLine(level, args) {
  const record = { timestamp: new Date().toISOString(), level, requestId };
  const replacer = (_key, value) => (value instanceof Error ? errorFields(value) : value);
  if (args.length === 1 && !(args[0] instanceof Error)) {
    record.message = args[0];
    try {
      return JSON.stringify(record, replacer);
    } catch {
      // circular, or a BigInt: formatted as text below
    }
  }
  record.message = format(...args);
  const err = args.find((a) => a instanceof Error);
  if (err) {
    Object.assign(record, errorFields(err));
  }
  return JSON.stringify(record);
}

// patchConsole makes console's methods write Lambda's lines.
export function patchConsole() {
  for (const [method, [level, stream]] of Object.entries(levels)) {
    if (json && order.indexOf(level) < minLevel) {
      console[method] = () => {};
      continue;
    }
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
  if (json) {
    const record = { timestamp: new Date().toISOString(), level: "ERROR", requestId, message: label, errorType, errorMessage, stackTrace: trace };
    process.stderr.write(JSON.stringify(record) + "\n");
    return;
  }
  process.stderr.write(line("ERROR", [label, "\t" + JSON.stringify({ errorType, errorMessage, stack: trace })]) + "\n");
}
