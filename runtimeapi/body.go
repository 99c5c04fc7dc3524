package runtimeapi

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// bufPool holds the buffers that bodies of unknown length (chunked, as
// aws-lambda-go posts them) are read into, so that a body does not grow a
// new buffer on every post.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuf bounds the buffers kept in bufPool: a rare large body should
// not keep megabytes alive.
const maxPooledBuf = 1 << 20

// readBody reads r's body, at most maxPayload bytes, into a slice of its
// own. For a larger body it returns errTooLarge and its size as far as known:
// the Content-Length if given (the body is then not read at all), else the
// bytes read, maxPayload+1.
func readBody(r *http.Request) ([]byte, int64, error) {
	if r.ContentLength > maxPayload {
		return nil, r.ContentLength, errTooLarge
	}
	if r.ContentLength >= 0 {
		// Known length: read straight into the result.
		b := make([]byte, r.ContentLength)
		n, err := io.ReadFull(r.Body, b)
		return b, int64(n), err
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuf {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	n, err := buf.ReadFrom(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		return nil, n, err
	}
	if n > maxPayload {
		return nil, n, errTooLarge
	}
	return bytes.Clone(buf.Bytes()), n, nil
}
