package invokeapi

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strconv"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
)

// The read side of Lambda's control plane, for the functions lambdad
// serves: GetFunction, GetFunctionConfiguration, ListFunctions and
// GetAccountSettings, in the shapes the AWS SDKs' deserializers read
// (aws-sdk-go-v2's service/lambda).

// functionConfiguration is Lambda's FunctionConfiguration.
type functionConfiguration struct {
	FunctionName               string
	FunctionArn                string
	Runtime                    string `json:",omitempty"`
	Role                       string
	Handler                    string `json:",omitempty"`
	CodeSize                   int64
	CodeSha256                 string
	Description                string
	Timeout                    int
	MemorySize                 int
	LastModified               string
	Version                    string
	Environment                *environmentResponse `json:",omitempty"`
	TracingConfig              struct{ Mode string }
	RevisionId                 string
	State                      string
	LastUpdateStatus           string
	PackageType                string
	Architectures              []string
	EphemeralStorage           struct{ Size int }
	LoggingConfig              function.LoggingConfig
	StateReason                *string `json:",omitempty"`
	StateReasonCode            *string `json:",omitempty"`
	LastUpdateStatusReason     *string `json:",omitempty"`
	LastUpdateStatusReasonCode *string `json:",omitempty"`
	ImageConfigResponse        *struct {
		ImageConfig function.ImageConfig
	} `json:",omitempty"`
}

type environmentResponse struct{ Variables map[string]string }

// roleName names the execution role lambdad's functions report: Lambda
// requires one, and lambdad gives each function credentials of its own.
const roleName = "lambdad"

// configuration describes v as Lambda does. qualifier ("" for none) ends
// its FunctionArn: the qualifier the request named, or for a published
// version its number.
func (a *api) configuration(v catalog.Version, qualifier string) functionConfiguration {
	fn := v.Config
	if qualifier == "" && fn.Version != "" && fn.Version != function.LatestVersion {
		qualifier = fn.Version
	}
	c := functionConfiguration{
		FunctionName:     fn.Name,
		FunctionArn:      function.ARN(a.cfg.Region, a.cfg.Account, fn.Name, qualifier),
		Role:             "arn:aws:iam::" + a.cfg.Account + ":role/" + roleName,
		CodeSize:         v.CodeSize,
		CodeSha256:       v.CodeSHA256,
		Description:      v.Description,
		Timeout:          fn.Timeout,
		MemorySize:       fn.MemorySize,
		LastModified:     v.LastModified.UTC().Format(lastModifiedFormat),
		Version:          cmp.Or(fn.Version, function.LatestVersion),
		RevisionId:       fn.RevisionID,
		State:            "Active",
		LastUpdateStatus: "Successful",
		PackageType:      cmp.Or(fn.PackageType, function.PackageZip),
		Architectures:    []string{architecture()},
	}
	if v.Err != nil {
		reason, code := v.Err.Error(), "InvalidConfiguration"
		c.State, c.StateReason, c.StateReasonCode = "Failed", &reason, &code
		c.LastUpdateStatus, c.LastUpdateStatusReason, c.LastUpdateStatusReasonCode = "Failed", &reason, &code
	}
	c.TracingConfig.Mode = "PassThrough"
	c.EphemeralStorage.Size = fn.EphemeralStorageMB
	c.LoggingConfig = fn.Logging.Resolved(fn.Name)
	if !fn.IsImage() {
		c.Runtime, c.Handler = fn.Runtime, fn.Handler
	} else {
		c.ImageConfigResponse = &struct{ ImageConfig function.ImageConfig }{fn.ImageConfig}
	}
	if len(fn.Env) > 0 {
		c.Environment = &environmentResponse{Variables: fn.Env}
	}
	return c
}

// lastModifiedFormat is Lambda's LastModified.
const lastModifiedFormat = "2006-01-02T15:04:05.000+0000"

// architecture is Lambda's name of the host's architecture.
func architecture() string {
	if runtime.GOARCH == "arm64" {
		return "arm64"
	}
	return "x86_64"
}

// ref parses a request's function name (name, name:qualifier, ARN or
// partial ARN; the path segment already percent-decoded) with the
// Qualifier parameter qualifier, which must agree with one in the name.
func ref(name, qualifier string) (function.Ref, *serviceError) {
	r, err := function.ParseName(name)
	if err != nil {
		return function.Ref{}, invalidParam(err.Error())
	}
	if qualifier != "" && r.Qualifier != "" && qualifier != r.Qualifier {
		return function.Ref{}, invalidParam(fmt.Sprintf("the qualifier %q in the function name and the Qualifier %q differ", r.Qualifier, qualifier))
	}
	r.Qualifier = cmp.Or(qualifier, r.Qualifier)
	return r, nil
}

// function resolves what an invoke of name with qualifier runs (an
// alias's routing applied); arn is the function's, with the qualifier if
// one was given.
func (a *api) function(name, qualifier string) (_ function.Config, arn string, _ *serviceError) {
	r, serr := ref(name, qualifier)
	if serr != nil {
		return function.Config{}, "", serr
	}
	arn = function.ARN(a.cfg.Region, a.cfg.Account, r.Name, r.Qualifier)
	fn, err := a.cfg.Functions.Lookup(r.Name, r.Qualifier)
	if err != nil {
		return function.Config{}, "", a.lookupError(err, r.Name, arn)
	}
	return fn, arn, nil
}

// describe is the version a GetFunction-like request names.
func (a *api) describe(name, qualifier string) (catalog.Version, string, *serviceError) {
	r, serr := ref(name, qualifier)
	if serr != nil {
		return catalog.Version{}, "", serr
	}
	v, err := a.cfg.Functions.Describe(r.Name, r.Qualifier)
	if err == nil && v.Err != nil && v.ReadOnly != "" {
		err = v.Err // a broken file: nothing to describe but why
	}
	if err != nil {
		return catalog.Version{}, "", a.lookupError(err, r.Name, function.ARN(a.cfg.Region, a.cfg.Account, r.Name, r.Qualifier))
	}
	return v, r.Qualifier, nil
}

// lookupError is the answer to a request for a function that is not
// there (arn names it) or cannot run.
func (a *api) lookupError(err error, name, arn string) *serviceError {
	var cerr *catalog.Error
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return &serviceError{status: http.StatusNotFound, code: codeNotFound, message: "Function not found: " + arn}
	case errors.As(err, &cerr):
		return catalogError(cerr)
	}
	return invalidParam(fmt.Sprintf("function %s cannot run: %v", name, err))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// getFunctionConfiguration is GET /2015-03-31/functions/{name}/configuration.
func (a *api) getFunctionConfiguration(w http.ResponseWriter, r *http.Request) {
	v, q, serr := a.describe(r.PathValue("name"), r.URL.Query().Get("Qualifier"))
	if serr != nil {
		serr.write(w)
		return
	}
	writeJSON(w, a.configuration(v, q))
}

// getFunction is GET /2015-03-31/functions/{name}: the configuration, where
// the code is (a file:// URL of its zip or directory, or the image), the
// reserved concurrency and the tags.
func (a *api) getFunction(w http.ResponseWriter, r *http.Request) {
	v, q, serr := a.describe(r.PathValue("name"), r.URL.Query().Get("Qualifier"))
	if serr != nil {
		serr.write(w)
		return
	}
	out := map[string]any{"Configuration": a.configuration(v, q), "Tags": nonNil(v.Tags)}
	if v.Config.IsImage() {
		out["Code"] = map[string]string{"RepositoryType": "ECR", "ImageUri": v.Config.ImageURI}
	} else {
		out["Code"] = map[string]string{"RepositoryType": "S3", "Location": v.CodeLocation}
	}
	if rc := v.Reserved; rc != nil {
		out["Concurrency"] = map[string]int{"ReservedConcurrentExecutions": *rc}
	}
	writeJSON(w, out)
}

// maxListItems is ListFunctions' page size at most, and by default.
const maxListItems = 50

// listFunctions is GET /2015-03-31/functions/: the functions by name (with
// FunctionVersion=ALL every version of each), a page at a time (MaxItems,
// at most 50; Marker, the NextMarker of the page before).
func (a *api) listFunctions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if fv := q.Get("FunctionVersion"); fv != "" && fv != "ALL" {
		invalidParam(fmt.Sprintf("1 validation error detected: Value '%s' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]", fv)).write(w)
		return
	}
	all := a.cfg.Functions.List(q.Get("FunctionVersion") == "ALL")
	page, next, serr := pageOf(all, q, func(v catalog.Version) string { return v.Config.Name + ":" + v.Config.Version })
	if serr != nil {
		serr.write(w)
		return
	}
	out := struct {
		Functions  []functionConfiguration
		NextMarker string `json:",omitempty"`
	}{Functions: []functionConfiguration{}, NextMarker: next}
	for _, v := range page {
		out.Functions = append(out.Functions, a.configuration(v, ""))
	}
	writeJSON(w, out)
}

// pageOf is the page of items (in order, key unique and increasing in it)
// that the request's Marker and MaxItems name, and the next page's marker
// ("" after the last).
func pageOf[T any](items []T, q url.Values, key func(T) string) (page []T, next string, _ *serviceError) {
	limit := maxListItems
	if s := q.Get("MaxItems"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			return nil, "", invalidParam(fmt.Sprintf("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000", s))
		}
		limit = min(n, maxListItems)
	}
	start := 0
	if m := q.Get("Marker"); m != "" {
		after, err := base64.RawURLEncoding.DecodeString(m)
		if err != nil {
			return nil, "", invalidParam("Invalid Marker: " + m)
		}
		start = len(items)
		for i, it := range items {
			if key(it) == string(after) {
				start = i + 1
				break
			}
		}
	}
	end := min(start+limit, len(items))
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1])))
	}
	return items[start:end], next, nil
}

// getAccountSettings is GET /2016-08-19/account-settings/: Lambda's
// default limits and what the served functions use.
func (a *api) getAccountSettings(w http.ResponseWriter, r *http.Request) {
	var total int64
	reserved := 0
	fns := a.cfg.Functions.List(false)
	for _, v := range a.cfg.Functions.List(true) {
		total += v.CodeSize
	}
	for _, v := range fns {
		if rc := v.Reserved; rc != nil {
			reserved += *rc
		}
	}
	writeJSON(w, map[string]any{
		"AccountLimit": map[string]int64{
			"TotalCodeSize":                  80 << 30,
			"CodeSizeUnzipped":               lambda.MaxUnzippedBytes,
			"CodeSizeZipped":                 catalog.MaxZipBytes,
			"ConcurrentExecutions":           catalog.AccountConcurrency,
			"UnreservedConcurrentExecutions": int64(max(catalog.AccountConcurrency-reserved, 0)),
		},
		"AccountUsage": map[string]int64{"TotalCodeSize": total, "FunctionCount": int64(len(fns))},
	})
}
