// Package lambda is the execution environment lambdad reproduces, defined
// once: the fixed layout of every sandbox (where the code, the runtime and
// the layers are, the Runtime API's address, the user a function runs as),
// Lambda's limits, and the error type names clients see. The contract
// behind each value is docs/contract.md.
//
// It holds constants only and imports nothing of lambdad, so that every
// package that builds, checks or reports on a sandbox can share it:
// function validates against its limits, rootfs makes its mountpoints,
// sandbox mounts its paths, runtimeapi and scheduler answer with its error
// types.
package lambda
