package function

import (
	"time"
)

// Limits of a function's definition that are not the execution
// environment's (those are package lambda's), and function.json's name.
const (
	MaxNameLength    = 64
	MaxHandlerLength = 128
	ConfigFile       = "function.json"
)

// Config is one function as lambdad runs it: plain data, complete (defaults
// filled in) once it comes from LoadDir or ParseConfig, and valid when
// Validate returns nil.
type Config struct {
	Name               string // [a-zA-Z0-9_-]{1,64}: the directory's name
	Runtime            string // one of a Family's runtimes: provided.al2023, python3.12, …
	Handler            string // _HANDLER; module.function for Python
	MemorySize         int    // MB, 128–10240
	Timeout            int    // seconds, 1–900
	EphemeralStorageMB int    // size of /tmp in MB, 512–10240
	Env                map[string]string
	// ReservedConcurrency caps concurrent invokes. nil means no cap; 0
	// means every invoke is throttled, as in Lambda.
	ReservedConcurrency *int
	// ProvisionedConcurrency is how many sandboxes to keep initialized
	// (AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency); 0 for none.
	ProvisionedConcurrency int
	// Network is the function's network: "" (the daemon's --network),
	// NetworkEgress or NetworkNone. lambdad's own field: Lambda has none.
	Network string
	// CodeDir is the absolute host path of the code, mounted at /var/task;
	// for an image function, the directory its function.json is in, not
	// mounted (the image has its own /var/task). Empty when the Config did
	// not come from a directory, or its code is a zip.
	CodeDir string
	// ZipFile is the .zip holding the code (function.json's Code.ZipFile,
	// or <name>.zip in a functions directory), absolute once loaded; ""
	// when the code is CodeDir. The launcher unpacks it
	// (rootfs.Store.Unpack) and mounts that tree at /var/task.
	ZipFile string
	// Layers are the function's layers, .zip files or directories,
	// absolute once loaded, merged in order (a later one's files win) and
	// mounted at /opt.
	Layers []string
	// Source is the file the function was defined by (its function.json or
	// <name>.json), else its directory or zip.
	Source string
	// PackageType is PackageZip or "" (code and a Runtime) or PackageImage
	// (a container image: ImageURI, no Runtime or Handler).
	PackageType string
	// ImageURI is an image function's image reference
	// (registry/repository:tag or @sha256:…).
	ImageURI string
	// ImageConfig overrides the image's ENTRYPOINT, CMD and WORKDIR.
	ImageConfig ImageConfig
	// RunsOn says what really runs the function when it is not the
	// runtime it declares exactly, "host node v20.20.2 (declared
	// nodejs22.x)"; set by a Loader with host interpreters, else empty.
	// lambdad's own: each START line of the function's log carries it.
	RunsOn string
	// Logging is Lambda's LoggingConfig: Text or JSON, and JSON's levels.
	Logging LoggingConfig
	// URL is the function URL function.json or a template gives a
	// read-only function (the control plane keeps its own functions'
	// apart, in the catalog); nil: none.
	URL *URLConfig `json:",omitempty"`
	// EventInvoke is what happens to the function's Event invocations
	// (retries, maximum age, destinations): function.json's for a
	// read-only function, the catalog's for the qualifier invoked for the
	// control plane's; nil: Lambda's defaults.
	EventInvoke *EventInvokeConfig `json:",omitempty"`

	// Version is the function version this Config is: LatestVersion
	// ($LATEST, also "") or a published version's number ("1", "2", …),
	// whose code and configuration never change.
	Version string
	// RevisionID names this definition of the function (Lambda's
	// RevisionId): it changes with every change of code or configuration,
	// so that sandboxes of one revision never serve another's invokes.
	// "" for a function that came from a directory and was never reloaded.
	RevisionID string
}

// LatestVersion is the unpublished, mutable version of every function.
const LatestVersion = "$LATEST"

// Key names the sandboxes that may run c: its name, version and revision.
// Two Configs with one Key run the same code with the same configuration.
func (c Config) Key() string {
	v := c.Version
	if v == "" {
		v = LatestVersion
	}
	return c.Name + ":" + v + "#" + c.RevisionID
}

// Values of PackageType.
const (
	PackageZip   = "Zip"
	PackageImage = "Image"
)

// ImageConfig is Lambda's ImageConfig: what overrides an image's own
// settings; empty fields keep the image's.
type ImageConfig struct {
	EntryPoint       []string `json:",omitempty"`
	Command          []string `json:",omitempty"`
	WorkingDirectory string   `json:",omitempty"`
}

// IsImage tells whether c runs a container image.
func (c Config) IsImage() bool { return c.PackageType == PackageImage }

// The network modes a function may ask for (package network's names).
const (
	NetworkEgress = "egress" // the world through NAT, the host's allowed ports
	NetworkNone   = "none"   // loopback only
)

// TimeoutDuration is Timeout as a duration.
func (c Config) TimeoutDuration() time.Duration {
	return time.Duration(c.Timeout) * time.Second
}

// Family is the runtime family of c.Runtime, or nil for a runtime lambdad
// does not run.
func (c Config) Family() *Family { return FamilyOf(c.Runtime) }

// EnvRequest is the part of the environment request that c decides; the
// caller adds Region, Credentials, InitializationType and Now.
func (c Config) EnvRequest() EnvRequest {
	return EnvRequest{Name: c.Name, Version: c.Version, MemoryMB: c.MemorySize, Handler: c.Handler, Runtime: c.Runtime, Vars: c.Env, Logging: c.Logging}
}
