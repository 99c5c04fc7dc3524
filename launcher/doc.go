// Package launcher turns a function into a started sandbox: the adapter
// between the scheduler's policy and the sandbox engine. It implements
// scheduler.Launcher and scheduler.Instance with a sandbox (package sandbox)
// on the function's family's base tree (package rootfs, function.Families)
// and that sandbox's Runtime API server (package runtimeapi), translating
// the scheduler's words (Event, Outcome, Exit) to theirs.
//
// It also keeps spares (spares.go): sandboxes prestarted ahead of demand, at
// most one per function, so that a cold start pays for the runtime's start
// and init, not for the sandbox's setup.
package launcher
