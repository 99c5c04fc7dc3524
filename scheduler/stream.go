package scheduler

import "io"

// streamCount stands between an invocation's Event.Stream and the caller's
// Request.Stream, counting what was handed on, so that run knows whether a
// failure came after some of the response had gone out (then the result
// says Streamed, and its error document is all the caller still gets).
type streamCount struct {
	w io.Writer
	n int64
}

// wrap returns the Event's Stream for the caller's w: nil if w is nil.
func (c *streamCount) wrap(w io.Writer) io.Writer {
	if w == nil {
		return nil
	}
	c.w = w
	return c
}

// Write counts p as handed on even if w fails: a caller that went away
// does not turn the bytes back into a buffered response.
func (c *streamCount) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.w.Write(p)
}

// Flush flushes w, if it can be.
func (c *streamCount) Flush() {
	if f, ok := c.w.(interface{ Flush() }); ok {
		f.Flush()
	}
}

// SetContentType hands on the content type the runtime streams, for a
// caller that answers with it (a function URL).
func (c *streamCount) SetContentType(ct string) {
	if s, ok := c.w.(interface{ SetContentType(string) }); ok {
		s.SetContentType(ct)
	}
}

// apply marks res as streamed if any of the response went to the stream:
// its Payload is then the error document of a failure, or empty.
func (c *streamCount) apply(res *Result) {
	if c.n == 0 {
		return
	}
	res.Streamed, res.StreamedBytes = true, c.n
	if !res.FunctionError() {
		res.Payload = nil
	}
}
