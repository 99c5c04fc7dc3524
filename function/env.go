package function

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lambdad/lambdad/lambda"
)

// Fixed parts of a function's environment, as in Lambda.
const (
	DefaultRegion = "us-east-1"
	Path          = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
	LibraryPath   = "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
)

// Values of AWS_LAMBDA_INITIALIZATION_TYPE.
const (
	InitOnDemand    = "on-demand"
	InitProvisioned = "provisioned-concurrency" // a pre-warmed sandbox
)

// EnvRequest describes the function whose environment to build.
type EnvRequest struct {
	Name     string
	Version  string // AWS_LAMBDA_FUNCTION_VERSION; "": LatestVersion
	MemoryMB int
	Handler  string
	Region   string            // empty means us-east-1
	Vars     map[string]string // the function's own variables; reserved names win over them
	Now      time.Time         // dates the log stream name; zero means now
	// Runtime sets AWS_EXECUTION_ENV=AWS_Lambda_<Runtime> for a managed
	// runtime (python3.12, …); provided* and empty leave it unset.
	Runtime string
	// InitializationType is InitOnDemand (if empty) or InitProvisioned.
	InitializationType string
	// Credentials, if set, become AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
	// and AWS_SESSION_TOKEN (the last only if non-empty).
	Credentials *Credentials
	// Defaults are variables lambdad sets unless the function sets them
	// itself (AWS_ENDPOINT_URL_LAMBDA, say); reserved names are ignored.
	Defaults map[string]string
	// ImageEnv is an image's ENV (NAME=value): it overrides Lambda's
	// unreserved defaults (PATH, LANG, …) and Defaults, and the function's
	// own variables override it; reserved names are ignored.
	ImageEnv []string
	// Logging sets AWS_LAMBDA_LOG_GROUP_NAME and, in JSON,
	// AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL.
	Logging LoggingConfig
}

// Credentials are the AWS credentials a function's process is given, as
// Lambda gives it its execution role's.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// Environment is the environment of a function's process: its own variables
// plus Lambda's reserved ones, which always win. The result is sorted.
func Environment(r EnvRequest) []string {
	region := r.Region
	if region == "" {
		region = DefaultRegion
	}
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	initType := r.InitializationType
	if initType == "" {
		initType = InitOnDemand
	}
	// Lambda's values of the names a function may set (unreserved).
	env := map[string]string{
		"LANG":            "en_US.UTF-8",
		"PATH":            Path,
		"LD_LIBRARY_PATH": LibraryPath,
	}
	for k, v := range r.Defaults {
		env[k] = v
	}
	for _, kv := range r.ImageEnv {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			env[k] = v
		}
	}
	for k, v := range r.Vars {
		env[k] = v
	}
	// Names Lambda sets or leaves unset itself: never the function's.
	delete(env, "AWS_LAMBDA_MAX_CONCURRENCY")
	delete(env, "AWS_EXECUTION_ENV")
	reserved := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        r.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(r.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION":     cmp.Or(r.Version, LatestVersion),
		"AWS_LAMBDA_LOG_GROUP_NAME":       r.Logging.Resolved(r.Name).LogGroup,
		"AWS_LAMBDA_LOG_STREAM_NAME":      logStreamName(now),
		"AWS_LAMBDA_RUNTIME_API":          lambda.RuntimeAPIAddr,
		"AWS_LAMBDA_INITIALIZATION_TYPE":  initType,
		"AWS_REGION":                      region,
		"AWS_DEFAULT_REGION":              region,
		"_HANDLER":                        r.Handler,
		"LAMBDA_TASK_ROOT":                lambda.TaskDir,
		"LAMBDA_RUNTIME_DIR":              lambda.RuntimeDir,
		"TZ":                              ":UTC",
	}
	if l := r.Logging.Resolved(r.Name); l.JSON() {
		reserved["AWS_LAMBDA_LOG_FORMAT"] = l.LogFormat
		reserved["AWS_LAMBDA_LOG_LEVEL"] = l.ApplicationLogLevel
	}
	if r.Handler == "" { // an image's: its entrypoint sets _HANDLER itself
		delete(reserved, "_HANDLER")
		delete(env, "_HANDLER")
	}
	if f := FamilyOf(r.Runtime); f != nil && f.Managed {
		reserved["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + r.Runtime
	}
	if f := FamilyOf(r.Runtime); f != nil {
		for k, v := range f.Env {
			if _, ok := env[k]; !ok {
				env[k] = strings.ReplaceAll(v, "{major}", f.line(r.Runtime))
			}
		}
	}
	if c := r.Credentials; c != nil {
		reserved["AWS_ACCESS_KEY_ID"] = c.AccessKeyID
		reserved["AWS_SECRET_ACCESS_KEY"] = c.SecretAccessKey
		delete(env, "AWS_SESSION_TOKEN")
		if c.SessionToken != "" {
			reserved["AWS_SESSION_TOKEN"] = c.SessionToken
		}
	}
	for k, v := range reserved {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// logStreamName is YYYY/MM/DD/[$LATEST]<32 hex>.
func logStreamName(now time.Time) string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/[$LATEST]%s", now.UTC().Format("2006/01/02"), hex.EncodeToString(b[:]))
}
