package funclog

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Record is one line of a function's log.
type Record struct {
	Time time.Time // zero if the line had none
	Line []byte    // as the daemon's output has it, without its newline
}

// ReadOptions say which records Read gives.
type ReadOptions struct {
	Since time.Time // records before it are left out; zero: all
	// Follow makes Read go on once it has read everything: it gives each
	// record as it is written, across rotations and across the daemon's
	// restarts, until ctx ends (then Read returns nil).
	Follow bool
	Poll   time.Duration // how often a follower looks for more; 0: 250 ms
}

// Read gives emit the records of function's under dir, oldest first. A
// function that has logged nothing yet has no records (followed, its first
// ones are waited for). emit must not keep the record's Line; its error
// ends Read with it.
func Read(ctx context.Context, dir, function string, opts ReadOptions, emit func(Record) error) error {
	fdir, err := Dir(dir, function)
	if err != nil {
		return err
	}
	if opts.Poll <= 0 {
		opts.Poll = 250 * time.Millisecond
	}
	r := &reader{opts: opts, emit: emit}
	// The current file is opened first: a rotation while the rotated ones
	// are read then shows as a new file under its name, not a lost one,
	// and the open one is not read twice.
	cur, err := os.Open(filepath.Join(fdir, CurrentFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f := &follower{reader: r, path: filepath.Join(fdir, CurrentFile)}
	if cur != nil {
		f.attach(cur)
	}
	defer f.close()
	var open os.FileInfo
	if cur != nil {
		if open, err = cur.Stat(); err != nil {
			return err
		}
	}
	for i := Rotated; i >= 1; i-- {
		if err := r.readFile(filepath.Join(fdir, CurrentFile+"."+strconv.Itoa(i)), open); err != nil {
			return err
		}
	}
	if !opts.Follow {
		return f.drain()
	}
	if err := f.follow(ctx); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// reader turns lines into records and filters them.
type reader struct {
	opts ReadOptions
	emit func(Record) error
}

// readFile reads a whole rotated file, if it exists and is not skip.
func (r *reader) readFile(path string, skip os.FileInfo) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return err
	} else if skip != nil && os.SameFile(fi, skip) {
		return nil
	}
	br := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if err := r.line(line); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// line gives one stored line (its time, a space, the daemon's line) to
// emit, unless it is before Since.
func (r *reader) line(line []byte) error {
	line = bytes.TrimSuffix(line, []byte{'\n'})
	rec := Record{Line: line}
	if stamp, rest, ok := bytes.Cut(line, []byte{' '}); ok {
		if t, err := time.Parse(TimeFormat, string(stamp)); err == nil {
			rec = Record{Time: t, Line: rest}
		}
	}
	if !r.opts.Since.IsZero() && rec.Time.Before(r.opts.Since) {
		return nil
	}
	return r.emit(rec)
}

// follower reads the current file as it grows, and the next one after a
// rotation or a restart.
type follower struct {
	*reader
	path    string
	f       *os.File
	br      *bufio.Reader
	partial []byte // a line read without its newline yet
}

// attach makes fd the file read from its start.
func (f *follower) attach(fd *os.File) {
	f.f, f.partial = fd, f.partial[:0]
	if f.br == nil {
		f.br = bufio.NewReaderSize(fd, 64<<10)
	} else {
		f.br.Reset(fd)
	}
}

// close closes the open file, if any.
func (f *follower) close() {
	if f.f != nil {
		f.f.Close()
		f.f = nil
	}
}

// drain reads what the open file holds now; a line not yet ended waits.
func (f *follower) drain() error {
	if f.f == nil {
		return nil
	}
	for {
		line, err := f.br.ReadBytes('\n')
		if err == io.EOF {
			f.partial = append(f.partial, line...)
			return nil
		} else if err != nil {
			return err
		}
		if len(f.partial) > 0 {
			line = append(f.partial, line...)
			f.partial = f.partial[:0]
		}
		if err := f.line(line); err != nil {
			return err
		}
	}
}

// follow drains the file, then looks again every Poll: a file under the
// name that is not the one open (rotated, or made anew after a removal)
// is attached once the open one is read to its end.
func (f *follower) follow(ctx context.Context) error {
	tick := time.NewTicker(f.opts.Poll)
	defer tick.Stop()
	for {
		if err := f.drain(); err != nil {
			return err
		}
		next, err := f.replaced()
		if err != nil {
			return err
		}
		if next != nil {
			if err := f.drain(); err != nil { // what was written before the rename
				next.Close()
				return err
			}
			f.close()
			f.attach(next)
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// replaced opens the file now under the name if it is not the open one.
func (f *follower) replaced() (*os.File, error) {
	fi, err := os.Stat(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if f.f != nil {
		if open, err := f.f.Stat(); err == nil && os.SameFile(open, fi) {
			return nil, nil
		}
	}
	next, err := os.Open(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return next, err
}
