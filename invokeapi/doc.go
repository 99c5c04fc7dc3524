// Package invokeapi is Lambda's Invoke API on HTTP: the route table, the
// invocation handlers (Invoke, and InvokeWithResponseStream's event stream),
// and the translation of scheduler outcomes into
// Lambda's status codes, headers and error bodies (docs/contract.md,
// "Invoke API"), so that the aws CLI and every AWS SDK work against lambdad
// unmodified.
package invokeapi
