package main

import "syscall"

// sysSeccomp is seccomp(2).
const sysSeccomp = syscall.SYS_SECCOMP
