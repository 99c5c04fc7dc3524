// Package funcurl serves Lambda function URLs: an http.Handler that turns
// an HTTP request into the payload format 2.0 event Lambda gives a
// function behind its URL, invokes the function, and turns its result
// into the HTTP response Lambda would send (a JSON object with a
// statusCode is a response; any other JSON is a 200 application/json
// body), with the URL's CORS configuration applied.
//
// A URL is named by its id (function.URLID): as the host
// <id>.lambda-url.localhost[:port] (curl resolves *.localhost to
// loopback), or, for clients whose resolvers do not, as the first
// segment of the path on any other host, http://127.0.0.1:9001/<id>/...,
// that prefix taken off the path the function sees.
//
// The package knows no catalog and no scheduler: Routes finds the URL an
// id names, Invoker runs its function (the daemon wires both).
// StreamWriter parses a RESPONSE_STREAM function's streamed HTTP
// integration response into an http.ResponseWriter.
package funcurl
