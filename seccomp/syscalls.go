package seccomp

import "sort"

// syscallNumber is one row of this architecture's syscall table
// (zsysnum_linux_GOARCH.go, generated from golang.org/x/sys/unix).
type syscallNumber struct {
	name string
	nr   uint32
}

// lookup returns the number of the syscall name on this architecture. The
// table is a sorted array, not a map: a map would be built at package
// initialisation, which every sandbox start pays (the daemon re-executes
// itself as the container init).
func lookup(name string) (uint32, bool) {
	i := sort.Search(len(syscalls), func(i int) bool { return syscalls[i].name >= name })
	if i < len(syscalls) && syscalls[i].name == name {
		return syscalls[i].nr, true
	}
	return 0, false
}
