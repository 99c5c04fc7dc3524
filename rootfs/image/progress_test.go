package image

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLineProgressRate(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(1_800_000_000, 0)
	lim := newLimiter()
	lim.now = func() time.Time { return now }
	p := lineProgress(&buf, lim)
	const layer = "sha256:0123456789abcdef"
	p(Event{Layer: layer, Phase: Downloading, Done: 0, Total: 1000})
	for done := int64(1); done <= 1000; done++ {
		p(Event{Layer: layer, Phase: Downloading, Done: done, Total: 1000})
	}
	p(Event{Layer: layer, Phase: Downloaded, Done: 1000, Total: 1000})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// 0%, then each tenth up to 100%, then downloaded.
	if len(lines) != 12 {
		t.Errorf("%d lines, want 12:\n%s", len(lines), buf.String())
	}
	if !strings.HasPrefix(lines[0], "0123456789ab downloading: 0.0 MB / 0.0 MB") {
		t.Errorf("first line %q", lines[0])
	}
	// Time alone makes a line: 2 s later, no new tenth.
	buf.Reset()
	p(Event{Layer: "sha256:ff", Phase: Downloading, Done: 1, Total: 1000})
	p(Event{Layer: "sha256:ff", Phase: Downloading, Done: 2, Total: 1000})
	now = now.Add(2 * time.Second)
	p(Event{Layer: "sha256:ff", Phase: Downloading, Done: 3, Total: 1000})
	if n := strings.Count(buf.String(), "\n"); n != 2 {
		t.Errorf("%d lines over 2 s, want 2:\n%s", n, buf.String())
	}
}

func TestLogProgress(t *testing.T) {
	var buf bytes.Buffer
	p := LogProgress(slog.New(slog.NewTextHandler(&buf, nil)))
	p(Event{Ref: "fn:1", Layer: "sha256:abc", Phase: Unpacking, Total: 10})
	if !strings.Contains(buf.String(), "ref=fn:1 layer=abc phase=unpacking") {
		t.Errorf("log: %s", buf.String())
	}
}

func TestTerminalProgress(t *testing.T) {
	var buf bytes.Buffer
	p := TerminalProgress(&buf)
	p(Event{Layer: "sha256:aaa", Phase: Downloading, Done: 50, Total: 100})
	p(Event{Layer: "sha256:bbb", Phase: Downloaded, Done: 100, Total: 100})
	out := buf.String()
	if !strings.Contains(out, "\x1b[1A") || !strings.Contains(out, "[===============               ]") {
		t.Errorf("terminal output %q: want the cursor moved up and a half bar", out)
	}
}
