// Package nodejs holds lambdad's Node.js runtime client and the tests that
// drive it.
//
// The files here are not Go: index.mjs and lib/ are the process a
// nodejsN.x function runs as inside its sandbox. The daemon binds this
// directory read-only at /var/lambdad/nodejs and starts
//
//	/usr/bin/node /var/lambdad/nodejs/index.mjs
//
// with the function's Lambda environment (AWS_LAMBDA_RUNTIME_API, _HANDLER,
// LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_*, NODE_PATH, AWS_REGION). The
// client loads the handler (CommonJS or ES module), then serves invocations
// from the Runtime API over one keep-alive HTTP connection, as AWS's own
// Node.js runtime does (async, promise and callback handlers, errors,
// context, log format: text, or JSON records filtered by level when the
// function's LoggingConfig says JSON). A handler wrapped in the global
// awslambda.streamifyResponse streams its response: its writes go out as
// the chunks of a streamed /response post as they are written, and an
// error after the first ends the post in its trailers;
// awslambda.HttpResponseStream.from writes a function URL's prelude. It
// uses only Node.js's standard library and runs on Node.js 18 or later.
//
// sdk/ holds the package.json and package-lock.json of the AWS SDK for
// JavaScript v3 packages that `make build` installs (npm ci) into
// bin/runtime/nodejs-sdk/node_modules: the daemon puts that directory on
// NODE_PATH, as Lambda's Node.js runtimes ship the SDK.
//
// The Go tests start the real client with the host's node against a fake
// Runtime API served by net/http/httptest. LAMBDAD_NODE names another
// interpreter to run them with.
package nodejs
