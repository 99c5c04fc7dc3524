// lambdad's Node.js runtime client: the process a nodejsN.x function runs as.
//
// The daemon starts it inside the sandbox as
//
//     /usr/bin/node /var/lambdad/nodejs/index.mjs
//
// with the Lambda environment (AWS_LAMBDA_RUNTIME_API, _HANDLER,
// LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_*, NODE_PATH, ...). It loads the
// handler named by _HANDLER from LAMBDA_TASK_ROOT, then serves invocations
// from the Runtime API until the sandbox is killed. An init failure is
// posted to /runtime/init/error and ends the process with status 1; so does
// any answer of the Runtime API other than the expected one, after which
// the daemon resets the sandbox. An exception nothing catches ends the
// invocation in progress with that error and the process with status 129,
// an unhandled rejection with status 128, as on AWS. A handler wrapped in
// awslambda.streamifyResponse streams its response (lib/streaming.mjs).
//
// Node.js's standard library only; Node.js 18 or later.

import { installGlobal, streaming } from "./lib/awslambda.mjs";
import { RuntimeAPIError, RuntimeClient } from "./lib/client.mjs";
import { document, FaultError, UNHANDLED_PROMISE_REJECTION } from "./lib/errors.mjs";
import { load } from "./lib/handler.mjs";
import { logError, patchConsole } from "./lib/logs.mjs";
import { reportFatal, run } from "./lib/loop.mjs";
import { registerModulePath } from "./lib/modulepath.mjs";

const client = new RuntimeClient(process.env.AWS_LAMBDA_RUNTIME_API ?? "127.0.0.1:9001");

// fatal reports err for the invocation in progress (or the init), then
// exits with code.
async function fatal(label, err, code) {
  const doc = document(err);
  logError(label, doc);
  try {
    await reportFatal(client, doc);
  } catch (postErr) {
    process.stderr.write(`lambdad nodejs runtime: ${postErr.message}\n`);
  }
  process.exit(code);
}

async function main() {
  patchConsole();
  registerModulePath(process.env.NODE_PATH);
  process.on("uncaughtException", (err) => fatal("Uncaught Exception", err, 129));
  process.on("unhandledRejection", (reason) => {
    const err = new FaultError(UNHANDLED_PROMISE_REJECTION, reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason), reason);
    fatal("Unhandled Promise Rejection", err, 128);
  });
  installGlobal(process.env);
  let handler;
  let stream;
  try {
    handler = await load(process.env.LAMBDA_TASK_ROOT ?? "/var/task", process.env._HANDLER ?? "");
    stream = streaming(handler);
  } catch (err) {
    const doc = document(err);
    logError("Uncaught Exception", doc);
    await client.postInitError(doc);
    process.exit(1);
  }
  await run(client, handler, stream);
}

main().catch((err) => {
  process.stderr.write(`lambdad nodejs runtime: ${err instanceof RuntimeAPIError ? err.message : err?.stack ?? err}\n`);
  process.exit(1);
});
