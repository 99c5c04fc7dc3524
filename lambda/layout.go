package lambda

// Paths inside every sandbox.
const (
	TaskDir    = "/var/task"    // the function's code, read-only; the working directory
	RuntimeDir = "/var/runtime" // LAMBDA_RUNTIME_DIR: where Lambda's runtimes live (container images keep theirs there)
	LambdadDir = "/var/lambdad" // lambdad's in-sandbox init and runtime clients, read-only: a path of lambdad's own, so that an image's /var/runtime is its own
	OptDir     = "/opt"         // layers, read-only
	// ExtensionsDir holds the external extensions, from layers or the image.
	ExtensionsDir = OptDir + "/extensions"
	TmpDir        = "/tmp" // a tmpfs of the function's ephemeral storage: the only writable path
	InitPath      = LambdadDir + "/init"
)

// Mountpoints are the directories every base tree must contain, since a
// sandbox mounts over them and its root is read-only.
var Mountpoints = []string{"/proc", "/dev", TmpDir, TaskDir, LambdadDir, OptDir}

// FileMountpoints are the files every base tree must contain: a sandbox
// with a network binds its own over them.
var FileMountpoints = []string{"/etc/hosts", "/etc/resolv.conf"}

// BootstrapPaths are where a provided runtime's bootstrap is looked for, in
// order.
var BootstrapPaths = []string{TaskDir + "/bootstrap", OptDir + "/bootstrap"}

// RuntimeAPIAddr is where a function's runtime reaches the Runtime API
// (AWS_LAMBDA_RUNTIME_API): loopback of the sandbox's own network namespace.
const RuntimeAPIAddr = "127.0.0.1:9001"

// The user every function runs as, as Lambda names it.
const (
	UID      = 993
	GID      = 990
	UserName = "sbx_user1051"
)

// Hostname is the sandbox's host name.
const Hostname = "localhost"
