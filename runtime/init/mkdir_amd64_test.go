package main

import "syscall"

const mkdirNr = syscall.SYS_MKDIR
