package invokeapi

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
)

// The read side of Lambda's control plane, for the functions lambdad
// serves: GetFunction, GetFunctionConfiguration, ListFunctions and
// GetAccountSettings, in the shapes the AWS SDKs' deserializers read
// (aws-sdk-go-v2's service/lambda).

// functionConfiguration is Lambda's FunctionConfiguration.
type functionConfiguration struct {
	FunctionName        string
	FunctionArn         string
	Runtime             string `json:",omitempty"`
	Role                string
	Handler             string `json:",omitempty"`
	CodeSize            int64
	CodeSha256          string
	Description         string
	Timeout             int
	MemorySize          int
	LastModified        string
	Version             string
	Environment         *environmentResponse `json:",omitempty"`
	TracingConfig       struct{ Mode string }
	RevisionId          string
	State               string
	LastUpdateStatus    string
	PackageType         string
	Architectures       []string
	EphemeralStorage    struct{ Size int }
	LoggingConfig       struct{ LogFormat, LogGroup string }
	ImageConfigResponse *struct {
		ImageConfig function.ImageConfig
	} `json:",omitempty"`
}

type environmentResponse struct{ Variables map[string]string }

// roleName names the execution role lambdad's functions report: Lambda
// requires one, and lambdad gives each function credentials of its own.
const roleName = "lambdad"

// configuration describes fn as Lambda does; the code's digest is
// computed from its files (function.CodeDigest).
func (a *api) configuration(fn function.Config) (functionConfiguration, error) {
	sha, size, err := function.CodeDigest(fn)
	if err != nil {
		return functionConfiguration{}, fmt.Errorf("code of %s: %w", fn.Name, err)
	}
	c := functionConfiguration{
		FunctionName:     fn.Name,
		FunctionArn:      function.ARN(a.cfg.Region, a.cfg.Account, fn.Name, ""),
		Role:             "arn:aws:iam::" + a.cfg.Account + ":role/" + roleName,
		CodeSize:         size,
		CodeSha256:       sha,
		Timeout:          fn.Timeout,
		MemorySize:       fn.MemorySize,
		LastModified:     lastModified(fn),
		Version:          function.LatestVersion,
		State:            "Active",
		LastUpdateStatus: "Successful",
		PackageType:      cmp.Or(fn.PackageType, function.PackageZip),
		Architectures:    []string{architecture()},
	}
	c.TracingConfig.Mode = "PassThrough"
	c.EphemeralStorage.Size = fn.EphemeralStorageMB
	c.LoggingConfig.LogFormat, c.LoggingConfig.LogGroup = "Text", "/aws/lambda/"+fn.Name
	if !fn.IsImage() {
		c.Runtime, c.Handler = fn.Runtime, fn.Handler
	} else {
		c.ImageConfigResponse = &struct{ ImageConfig function.ImageConfig }{fn.ImageConfig}
	}
	if len(fn.Env) > 0 {
		c.Environment = &environmentResponse{Variables: fn.Env}
	}
	// The revision changes whenever what GetFunction says does.
	rev, _ := json.Marshal(c)
	sum := sha256.Sum256(rev)
	h := hex.EncodeToString(sum[:16])
	c.RevisionId = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	return c, nil
}

// lastModified is when fn's definition last changed (its function.json,
// zip or directory), in Lambda's format.
func lastModified(fn function.Config) string {
	var t time.Time
	for _, p := range []string{fn.Source, fn.ZipFile, fn.CodeDir} {
		if fi, err := os.Stat(p); p != "" && err == nil && fi.ModTime().After(t) {
			t = fi.ModTime()
		}
	}
	return t.UTC().Format("2006-01-02T15:04:05.000+0000")
}

// architecture is Lambda's name of the host's architecture.
func architecture() string {
	if runtime.GOARCH == "arm64" {
		return "arm64"
	}
	return "x86_64"
}

// function looks up the function a request names (name, name:qualifier,
// ARN or partial ARN; the path segment already percent-decoded) with the
// Qualifier parameter qualifier: $LATEST only. arn is the function's, with
// the qualifier if one was given.
func (a *api) function(name, qualifier string) (_ function.Config, arn string, _ *serviceError) {
	ref, err := function.ParseName(name)
	if err != nil {
		return function.Config{}, "", invalidParam(err.Error())
	}
	if qualifier != "" && ref.Qualifier != "" && qualifier != ref.Qualifier {
		return function.Config{}, "", invalidParam(fmt.Sprintf("the qualifier %q in the function name and the Qualifier %q differ", ref.Qualifier, qualifier))
	}
	qualifier = cmp.Or(qualifier, ref.Qualifier)
	arn = function.ARN(a.cfg.Region, a.cfg.Account, ref.Name, qualifier)
	if qualifier != "" && qualifier != function.LatestVersion {
		return function.Config{}, "", &serviceError{status: http.StatusNotFound, code: codeNotFound,
			message: "Function not found: " + arn + " (lambdad serves $LATEST only)"}
	}
	fn, err := a.cfg.Functions.Lookup(ref.Name)
	if errors.Is(err, ErrFunctionNotFound) {
		return function.Config{}, "", &serviceError{status: http.StatusNotFound, code: codeNotFound, message: "Function not found: " + arn}
	} else if err != nil {
		return function.Config{}, "", invalidParam(fmt.Sprintf("function %s cannot run: %v", ref.Name, err))
	}
	return fn, arn, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// getFunctionConfiguration is GET /2015-03-31/functions/{name}/configuration.
func (a *api) getFunctionConfiguration(w http.ResponseWriter, r *http.Request) {
	fn, _, serr := a.function(r.PathValue("name"), r.URL.Query().Get("Qualifier"))
	if serr != nil {
		serr.write(w)
		return
	}
	c, err := a.configuration(fn)
	if err != nil {
		(&serviceError{status: http.StatusInternalServerError, code: codeService, message: err.Error()}).write(w)
		return
	}
	writeJSON(w, c)
}

// getFunction is GET /2015-03-31/functions/{name}: the configuration, where
// the code is (a file:// URL of its directory or zip, or the image), the
// reserved concurrency and the tags (none).
func (a *api) getFunction(w http.ResponseWriter, r *http.Request) {
	fn, _, serr := a.function(r.PathValue("name"), r.URL.Query().Get("Qualifier"))
	if serr != nil {
		serr.write(w)
		return
	}
	c, err := a.configuration(fn)
	if err != nil {
		(&serviceError{status: http.StatusInternalServerError, code: codeService, message: err.Error()}).write(w)
		return
	}
	out := map[string]any{"Configuration": c, "Tags": map[string]string{}}
	if fn.IsImage() {
		out["Code"] = map[string]string{"RepositoryType": "ECR", "ImageUri": fn.ImageURI}
	} else {
		out["Code"] = map[string]string{"RepositoryType": "S3", "Location": "file://" + cmp.Or(fn.ZipFile, fn.CodeDir)}
	}
	if rc := fn.ReservedConcurrency; rc != nil {
		out["Concurrency"] = map[string]int{"ReservedConcurrentExecutions": *rc}
	}
	writeJSON(w, out)
}

// maxListItems is ListFunctions' page size at most, and by default.
const maxListItems = 50

// listFunctions is GET /2015-03-31/functions/: the functions by name, a
// page at a time (MaxItems, at most 50; Marker, the NextMarker of the page
// before).
func (a *api) listFunctions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := maxListItems
	if s := q.Get("MaxItems"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			invalidParam(fmt.Sprintf("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000", s)).write(w)
			return
		}
		limit = min(n, maxListItems)
	}
	fns := a.cfg.Functions.List()
	slices.SortFunc(fns, func(x, y function.Config) int { return cmp.Compare(x.Name, y.Name) })
	start := 0
	if m := q.Get("Marker"); m != "" {
		after, err := base64.RawURLEncoding.DecodeString(m)
		if err != nil {
			invalidParam("Invalid Marker: " + m).write(w)
			return
		}
		start, _ = slices.BinarySearchFunc(fns, string(after), func(fn function.Config, name string) int {
			return cmp.Compare(fn.Name, name)
		})
		if start < len(fns) && fns[start].Name == string(after) {
			start++
		}
	}
	out := struct {
		Functions  []functionConfiguration
		NextMarker string `json:",omitempty"`
	}{Functions: []functionConfiguration{}}
	end := min(start+limit, len(fns))
	for _, fn := range fns[start:end] {
		c, err := a.configuration(fn)
		if err != nil {
			(&serviceError{status: http.StatusInternalServerError, code: codeService, message: err.Error()}).write(w)
			return
		}
		out.Functions = append(out.Functions, c)
	}
	if end < len(fns) {
		out.NextMarker = base64.RawURLEncoding.EncodeToString([]byte(fns[end-1].Name))
	}
	writeJSON(w, out)
}

// getAccountSettings is GET /2016-08-19/account-settings/: Lambda's
// default limits and what the served functions use.
func (a *api) getAccountSettings(w http.ResponseWriter, r *http.Request) {
	var total int64
	reserved := 0
	fns := a.cfg.Functions.List()
	for _, fn := range fns {
		if _, size, err := function.CodeDigest(fn); err == nil {
			total += size
		}
		if rc := fn.ReservedConcurrency; rc != nil {
			reserved += *rc
		}
	}
	writeJSON(w, map[string]any{
		"AccountLimit": map[string]int64{
			"TotalCodeSize":                  80 << 30,
			"CodeSizeUnzipped":               lambda.MaxUnzippedBytes,
			"CodeSizeZipped":                 50 << 20,
			"ConcurrentExecutions":           accountConcurrency,
			"UnreservedConcurrentExecutions": int64(max(accountConcurrency-reserved, 0)),
		},
		"AccountUsage": map[string]int64{"TotalCodeSize": total, "FunctionCount": int64(len(fns))},
	})
}

// accountConcurrency is Lambda's default concurrency limit of an account.
const accountConcurrency = 1000
