// Package runtimeapi serves the AWS Lambda Runtime API (version 2018-06-01)
// of one sandbox.
//
// The daemon opens a listener at 127.0.0.1:9001 inside the sandbox's own
// network namespace (package sandbox) and serves it with [Serve], so the
// function's runtime client (aws-lambda-go's lambda.Start, the Python and
// Node runtime interface clients, a shell bootstrap with curl) reaches it at
// AWS_LAMBDA_RUNTIME_API and speaks plain HTTP/1.1 keep-alive to it,
// unmodified:
//
//	GET  /2018-06-01/runtime/invocation/next            the next event, with Lambda-Runtime-* headers
//	POST /2018-06-01/runtime/invocation/{id}/response   the event's result
//	POST /2018-06-01/runtime/invocation/{id}/error      the event's function error
//	POST /2018-06-01/runtime/init/error                 the runtime failed to initialise
//
// and Lambda's Extensions API (extension.go, extensionapi.go) and the
// subscriptions of its Telemetry and Logs APIs (telemetry.go, delivered by
// package telemetry):
//
//	POST /2020-01-01/extension/register                 an extension registers for INVOKE, SHUTDOWN
//	GET  /2020-01-01/extension/event/next               its next event
//	POST /2020-01-01/extension/init/error, exit/error   it failed
//	PUT  /2022-07-01/telemetry, /2020-08-15/logs        it subscribes to the sandbox's events and output
//
// The daemon's launcher drives the other side: [Server.WaitReady] waits for
// init to end (the runtime's first GET /next), [Server.Invoke] hands the
// runtime one [Invocation] at a time and waits for its [Result]. An
// Invocation with a Stream gets the /response body written to it as it
// arrives (stream.go): Lambda's response streaming.
//
// A server's lifecycle is a small state machine ([State]): initializing →
// ready → invoking → ready …, or initializing → init-failed; closed ends
// every path. Transitions not listed in state.go are refused, and surface to
// the runtime as 403 InvalidStateTransition or 400 InvalidRequestID. The
// wire contract (headers, statuses, bodies) is docs/contract.md's.
//
// Because every sandbox has its own listener in its own network namespace,
// an event can only reach the sandbox it was given to: there is no shared
// queue and no sandbox id in a URL.
package runtimeapi
