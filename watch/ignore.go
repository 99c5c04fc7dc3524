package watch

import "strings"

// ignored reports whether a change to the file named base (a base name, no
// directory) cannot matter to a function and so must not start a reload.
// These are the scratch files that editors write beside the file being
// edited; the edit itself ends with a write to, or a rename onto, the real
// name, and that event is not ignored:
//
//   - *.swp, *.swo, *.swx: vim's swap files (.swx is its probe of the
//     directory)
//   - *~: backup files of vim, emacs, gedit, nano and others
//   - .#*: emacs's lock symlinks
//   - #*#: emacs's auto-save files
//   - 4913: vim's probe that it may create files in the directory
//   - *___jb_tmp___, *___jb_old___: JetBrains IDEs' "safe write" temporary
//     and old copies
//
// Nothing else is ignored, hidden files included: a function's code may
// need any file in its directory.
func ignored(base string) bool {
	switch {
	case base == "4913":
		return true
	case strings.HasSuffix(base, "~"):
		return true
	case strings.HasPrefix(base, ".#"):
		return true
	case len(base) > 2 && strings.HasPrefix(base, "#") && strings.HasSuffix(base, "#"):
		return true
	case strings.HasSuffix(base, "___jb_tmp___"), strings.HasSuffix(base, "___jb_old___"):
		return true
	}
	for _, ext := range []string{".swp", ".swo", ".swx"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	return false
}
