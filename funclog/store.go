package funclog

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// DefaultRetainBytes bounds one function's files (16 MiB), and Rotated is
// how many rotated files it keeps besides the one being written.
const (
	DefaultRetainBytes = 16 << 20
	Rotated            = 3
)

// CurrentFile is the name of the file being written in a function's
// directory; rotated ones add .1 (the newest) to .Rotated.
const CurrentFile = "log"

// TimeFormat is each record's time: RFC 3339 with milliseconds.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// maxOpen bounds the files a Store keeps open at once: a daemon of many
// functions closes the others' and opens them again when they log.
const maxOpen = 64

// Store writes functions' records under one directory. Its methods are
// safe for concurrent use.
type Store struct {
	dir     string
	maxFile int64 // a file's share of the bound
	logger  *slog.Logger

	mu     sync.Mutex
	files  map[string]*file // mu: open, by function
	failed map[string]bool  // mu: functions whose last write failed (logged once)
	buf    []byte           // mu: a batch's records
}

// file is a function's current file, open for appending.
type file struct {
	f    *os.File
	size int64
}

// Open returns a store writing under dir (made if missing), each
// function's files together at most retainBytes (0: DefaultRetainBytes).
// Failures to write are logged to logger (nil: slog.Default()), once until
// the function's next write succeeds.
func Open(dir string, retainBytes int64, logger *slog.Logger) (*Store, error) {
	if retainBytes <= 0 {
		retainBytes = DefaultRetainBytes
	}
	if logger == nil {
		logger = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("functions' logs: %w", err)
	}
	return &Store{dir: dir, maxFile: max(retainBytes/(Rotated+1), 1), logger: logger,
		files: map[string]*file{}, failed: map[string]bool{}}, nil
}

// Dir is the function's directory of files under dir.
func Dir(dir, function string) (string, error) {
	if !validName(function) {
		return "", fmt.Errorf("%w: %q", ErrBadName, function)
	}
	return filepath.Join(dir, function), nil
}

// ErrBadName: a function name that cannot be a directory's (Lambda's names
// always can).
var ErrBadName = errors.New("not a function name")

// validName is Lambda's [a-zA-Z0-9_-]{1,64}.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Append writes lines (whole lines) as records of function's at time at;
// it is scheduler.Archive's method. A file that would outgrow its share is
// rotated first, between lines.
func (s *Store) Append(function string, at time.Time, lines []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.append(function, at, lines); err != nil {
		if !s.failed[function] {
			s.failed[function] = true
			s.logger.Error("function's log not kept on disk", "function", function, "err", err)
		}
		return
	}
	delete(s.failed, function)
}

func (s *Store) append(function string, at time.Time, lines []byte) error {
	f, err := s.open(function)
	if err != nil {
		return err
	}
	stamp := at.UTC().AppendFormat(nil, TimeFormat)
	s.buf = s.buf[:0]
	for len(lines) > 0 {
		n := len(lines)
		for i, c := range lines {
			if c == '\n' {
				n = i + 1
				break
			}
		}
		size := int64(len(stamp) + 1 + n)
		if f.size+int64(len(s.buf))+size > s.maxFile && f.size+int64(len(s.buf)) > 0 {
			if err := s.flush(f); err != nil {
				return err
			}
			if f, err = s.rotate(function); err != nil {
				return err
			}
		}
		s.buf = append(append(append(s.buf, stamp...), ' '), lines[:n]...)
		if s.buf[len(s.buf)-1] != '\n' {
			s.buf = append(s.buf, '\n')
		}
		lines = lines[n:]
	}
	err = s.flush(f)
	if cap(s.buf) > 1<<20 {
		s.buf = nil
	}
	return err
}

// flush writes the records built so far.
func (s *Store) flush(f *file) error {
	n, err := f.f.Write(s.buf)
	f.size += int64(n)
	s.buf = s.buf[:0]
	return err
}

// open returns function's current file, opening it if need be.
func (s *Store) open(function string) (*file, error) {
	if f, ok := s.files[function]; ok {
		return f, nil
	}
	dir, err := Dir(s.dir, function)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	fd, err := os.OpenFile(filepath.Join(dir, CurrentFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	fi, err := fd.Stat()
	if err != nil {
		fd.Close()
		return nil, err
	}
	if len(s.files) >= maxOpen {
		for name, other := range s.files { // any one: they all reopen cheaply
			other.f.Close()
			delete(s.files, name)
			break
		}
	}
	f := &file{f: fd, size: fi.Size()}
	s.files[function] = f
	return f, nil
}

// rotate closes function's current file, shifts the rotated ones (the
// oldest goes) and opens a new current file.
func (s *Store) rotate(function string) (*file, error) {
	if f, ok := s.files[function]; ok {
		f.f.Close()
		delete(s.files, function)
	}
	dir := filepath.Join(s.dir, function)
	name := func(i int) string {
		if i == 0 {
			return filepath.Join(dir, CurrentFile)
		}
		return filepath.Join(dir, CurrentFile+"."+strconv.Itoa(i))
	}
	for i := Rotated - 1; i >= 0; i-- {
		if err := os.Rename(name(i), name(i+1)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("rotate: %w", err)
		}
	}
	return s.open(function)
}

// Close closes the open files.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for name, f := range s.files {
		errs = append(errs, f.f.Close())
		delete(s.files, name)
	}
	return errors.Join(errs...)
}
