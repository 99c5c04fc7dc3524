package funclog

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 2, 5, 0, 0, 123e6, time.UTC)

// readAll is Read's records as "time line" strings.
func readAll(t *testing.T, dir, fn string, opts ReadOptions) []string {
	t.Helper()
	var got []string
	err := Read(context.Background(), dir, fn, opts, func(r Record) error {
		got = append(got, r.Time.Format(TimeFormat)+" "+string(r.Line))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestAppendRead(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Append("hello", t0, []byte("[hello] 1234abcd START RequestId: x\n[hello] 1234abcd hi\n"))
	s.Append("other", t0, []byte("[other] not hello's\n"))
	s.Append("hello", t0.Add(time.Second), []byte("[hello] 1234abcd END RequestId: x\n"))
	got := readAll(t, dir, "hello", ReadOptions{})
	want := []string{
		"2026-12-02T05:00:00.123Z [hello] 1234abcd START RequestId: x",
		"2026-12-02T05:00:00.123Z [hello] 1234abcd hi",
		"2026-12-02T05:00:01.123Z [hello] 1234abcd END RequestId: x",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("read\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := readAll(t, dir, "hello", ReadOptions{Since: t0.Add(500 * time.Millisecond)}); len(got) != 1 || got[0] != want[2] {
		t.Errorf("since: %q, want only the END", got)
	}
	if got := readAll(t, dir, "nothing", ReadOptions{}); len(got) != 0 {
		t.Errorf("a function that never logged: %q", got)
	}
	if err := Read(context.Background(), dir, "../x", ReadOptions{}, nil); err == nil {
		t.Error("Read of ../x: no error")
	}
}

// The files never hold more than the bound, rotation keeps the newest
// records, and Read gives them in order across the files.
func TestRotationBound(t *testing.T) {
	const bound = 4096
	dir := t.TempDir()
	s, err := Open(dir, bound, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 1000
	for i := range n {
		s.Append("f", t0.Add(time.Duration(i)*time.Millisecond), fmt.Appendf(nil, "[f] line %04d\n", i))
		if i%97 == 0 {
			s.Append("f", t0, []byte(strings.Repeat("[f] x\n", 20))) // batches of lines too
		}
	}
	var total int64
	names, _ := filepath.Glob(filepath.Join(dir, "f", "*"))
	for _, name := range names {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		total += fi.Size()
	}
	if total > bound {
		t.Errorf("%d bytes in %d files, bound %d", total, len(names), bound)
	}
	if len(names) != Rotated+1 {
		t.Errorf("files %v, want %d", names, Rotated+1)
	}
	got := readAll(t, dir, "f", ReadOptions{})
	last := got[len(got)-1]
	if !strings.HasSuffix(last, fmt.Sprintf("line %04d", n-1)) {
		t.Errorf("last record %q, want line %d", last, n-1)
	}
	prev := -1
	for _, r := range got {
		var i int
		if _, err := fmt.Sscanf(r[strings.Index(r, " line ")+1:], "line %d", &i); err != nil {
			continue
		}
		if i != prev+1 && prev != -1 {
			t.Fatalf("line %d after %d: out of order or missing", i, prev)
		}
		prev = i
	}
}

// A follower sees records written after it started, across rotations and
// across the directory removed and made again (a daemon's restart after
// the state was cleared), and ends with its context.
func TestFollow(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, 4*300, nil) // files of 300 bytes: a rotation every few lines
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Append("f", t0, []byte("[f] old\n"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lines := make(chan string, 100)
	done := make(chan error, 1)
	go func() {
		done <- Read(ctx, dir, "f", ReadOptions{Follow: true, Since: t0.Add(time.Second), Poll: time.Millisecond}, func(r Record) error {
			lines <- string(r.Line)
			return nil
		})
	}()
	const n = 40
	for i := range n {
		s.Append("f", t0.Add(2*time.Second), fmt.Appendf(nil, "[f] new %02d\n", i))
		// Wait for each: a follower polls, and two rotations between polls
		// would lose a file, as tail -F would.
		if got := <-lines; got != fmt.Sprintf("[f] new %02d", i) {
			t.Fatalf("followed %q, want new %02d", got, i)
		}
	}
	s.Close()
	os.RemoveAll(filepath.Join(dir, "f"))
	s2, err := Open(dir, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	s2.Append("f", t0.Add(3*time.Second), []byte("[f] after a restart\n"))
	if got := <-lines; got != "[f] after a restart" {
		t.Fatalf("followed %q after the directory was made anew", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Read ended with %v, want nil at the context's end", err)
	}
}

// Following a function that has not logged yet waits for its first record.
func TestFollowBeforeFirstRecord(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lines := make(chan string, 1)
	go Read(ctx, dir, "late", ReadOptions{Follow: true, Poll: time.Millisecond}, func(r Record) error {
		lines <- string(r.Line)
		return nil
	})
	s, err := Open(dir, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Append("late", t0, []byte("[late] first\n"))
	if got := <-lines; got != "[late] first" {
		t.Errorf("followed %q", got)
	}
}
