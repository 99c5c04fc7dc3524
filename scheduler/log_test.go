package scheduler

import (
	"bytes"
	"strings"
	"testing"
)

func TestLogLinesAndTail(t *testing.T) {
	var out bytes.Buffer
	l := NewLog(NewSink(&out), "hello")
	l.Begin("0123456789abcdef")
	l.Write([]byte("one\ntw"))
	l.Write([]byte("o\nthree"))
	l.Printf("END RequestId: %s", "x")
	if got, want := string(l.Tail()), "one\ntwo\nEND RequestId: x\nthree\n"; got != want {
		t.Errorf("tail %q, want %q", got, want)
	}
	if !strings.Contains(out.String(), "[hello] 01234567 two\n") {
		t.Errorf("sink got %q", out.String())
	}
	l.Begin("next")
	l.Write([]byte(strings.Repeat("x", 100) + "\n"))
	for i := 0; i < 100; i++ {
		l.Write([]byte(strings.Repeat("y", 99) + "\n"))
	}
	tail := l.Tail()
	if len(tail) != TailBytes || !bytes.HasSuffix(tail, []byte("y\n")) || bytes.Contains(tail, []byte("three")) {
		t.Errorf("tail of %d bytes: %q…", len(tail), tail[:40])
	}
}
