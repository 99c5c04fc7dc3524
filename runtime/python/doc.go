// Package python holds lambdad's Python runtime client and the test that
// drives it.
//
// The files here are not Go: bootstrap.py and the lambda_runtime package are
// the process a python3.x function runs as inside its sandbox. The daemon
// binds this directory read-only at /var/lambdad/python and starts
//
//	/usr/bin/python3 /var/lambdad/python/bootstrap.py
//
// with the function's Lambda environment (AWS_LAMBDA_RUNTIME_API, _HANDLER,
// LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_*, AWS_REGION). The client imports the
// handler, then serves invocations from the Runtime API over one keep-alive
// HTTP connection, as AWS's own Python runtime does (errors, context, log
// format: text, or JSON records filtered by level when the function's
// LoggingConfig says JSON). It uses only the Python standard library and runs on Python 3.8 or
// later.
//
// The Go tests start the real client with the host's python3 against a fake
// Runtime API served by net/http/httptest, and byte-compile every .py file.
// LAMBDAD_PYTHON names another interpreter to run them with.
package python
