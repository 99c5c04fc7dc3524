package lambda

import "time"

// Memory: MemorySize in MB. CPU is proportional to it.
const (
	MinMemoryMB     = 128
	MaxMemoryMB     = 10240
	DefaultMemoryMB = 128
	MemoryMBPerVCPU = 1769 // MemorySize that buys one full vCPU
)

// Timeout in seconds, and the limit on a runtime's init.
const (
	MinTimeoutSeconds     = 1
	MaxTimeoutSeconds     = 900
	DefaultTimeoutSeconds = 3
	InitTimeout           = 10 * time.Second
)

// Ephemeral storage: the size of /tmp in MB.
const (
	MinEphemeralMB     = 512
	MaxEphemeralMB     = 10240
	DefaultEphemeralMB = 512
)

// Payloads, in bytes.
const (
	MaxSyncPayload  = 6291456 // a RequestResponse invoke's request
	MaxAsyncPayload = 262144  // an Event invoke's request
	// MaxResponse is the largest body a runtime may post as a response,
	// function error or init error: 6 MiB and 100 bytes.
	MaxResponse = 6291556
)

// A streamed response (InvokeWithResponseStream): at most 200 MiB, the
// first 6 MiB at full speed, then 2 MiB per second, as Lambda's token
// bucket (the runtime interface emulator's ResponseBandwidthBurstSize and
// ResponseBandwidthRate).
const (
	MaxStreamedResponse = 200 << 20
	StreamBurst         = 6 << 20 // bytes
	StreamRate          = 2 << 20 // bytes per second
)

// Per sandbox.
const (
	MaxPids             = 1024 // processes and threads
	MaxOpenFiles        = 1024
	MaxEnvironmentBytes = 4096 // keys plus values of a function's own variables
)

// Deployment packages: a function's code and layers.
const (
	// MaxUnzippedBytes bounds a function's code and layers together,
	// unzipped: 250 MB, as CreateFunction's error says it in bytes.
	MaxUnzippedBytes = 262144000
	// MaxLayers is how many layers a function may have.
	MaxLayers = 5
)
