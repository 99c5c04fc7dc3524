// Package funclog keeps each function's log on disk: what the daemon
// writes for it (its output, START/END/REPORT), one record a line, each
// line its time (RFC 3339, milliseconds, UTC), a space, and the line as the
// daemon's output has it.
//
// A function's records are in <dir>/<function>/: the file being written,
// log, and the rotated ones, log.1 (the newest) to log.N. A file is
// rotated before a record would take it past its share of the function's
// bound (Store's retainBytes divided among the N+1 files), so a function
// never keeps more than that bound, whatever it prints. Rotation renames,
// so a reader that holds a file open reads it to its end and then finds the
// next under the name log (Follow).
//
// Store is written by the daemon's log sink, on the sink's writer
// goroutine (scheduler.Archive); Read and Follow read the files without the
// daemon, whether it runs or not (lambdad logs).
package funclog
