// Package sigv4 checks AWS Signature Version 4 on HTTP requests, the way an
// AWS service does, against access keys lambdad was given (a key file), and
// signs requests the same way for lambdad's own client. The aws CLI and
// every AWS SDK sign each request with it, so requiring a signature costs
// their users nothing but matching credentials.
//
// A Verifier checks in two steps, so that a request is refused before its
// body is read when its Authorization header already fails (no header, an
// unknown key, an old date): Check looks at the headers, and the Pending it
// returns Verifies the signature over the body the caller read, once and
// bounded. Only the standard library: crypto/hmac and crypto/sha256.
package sigv4
