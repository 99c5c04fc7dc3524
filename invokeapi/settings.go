package invokeapi

import (
	"net/http"

	"github.com/lambdad/lambdad/function"
)

// Reads that deployment tools (Terraform's aws provider among them) make
// of every function after creating it, of settings lambdad has no notion
// of: answered as Lambda answers for a function without them, so that the
// tool carries on, and never claiming what lambdad does not do.

// existing answers the function the request names, or writes why not
// (as GetFunction would).
func (a *api) existing(w http.ResponseWriter, r *http.Request) (string, bool) {
	v, _, serr := a.describe(r.PathValue("name"), r.URL.Query().Get("Qualifier"))
	if serr != nil {
		serr.write(w)
		return "", false
	}
	return v.Config.Name, true
}

// getCodeSigningConfig is GET /2020-06-30/functions/{name}/code-signing-config:
// no code signing configuration (lambdad checks no signatures).
func (a *api) getCodeSigningConfig(w http.ResponseWriter, r *http.Request) {
	if name, ok := a.existing(w, r); ok {
		writeJSON(w, map[string]string{"CodeSigningConfigArn": "", "FunctionName": name})
	}
}

// getPolicy is GET /2015-03-31/functions/{name}/policy: no resource-based
// policy, which Lambda answers with a 404 (lambdad lets any caller the
// Invoke API admits invoke).
func (a *api) getPolicy(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.existing(w, r); ok {
		(&serviceError{status: http.StatusNotFound, code: codeNotFound, message: "The resource you requested does not exist."}).write(w)
	}
}

// getRecursionConfig is GET /2024-08-31/functions/{name}/recursion-config:
// Allow, for lambdad does not detect recursive loops (Lambda's default,
// Terminate, stops them).
func (a *api) getRecursionConfig(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.existing(w, r); ok {
		writeJSON(w, map[string]string{"RecursiveLoop": "Allow"})
	}
}

// getRuntimeManagementConfig is GET /2021-07-20/functions/{name}/runtime-management-config:
// Auto, the default; the runtime is the host's or its base image's.
func (a *api) getRuntimeManagementConfig(w http.ResponseWriter, r *http.Request) {
	if name, ok := a.existing(w, r); ok {
		writeJSON(w, map[string]string{"UpdateRuntimeOn": "Auto",
			"FunctionArn": function.ARN(a.cfg.Region, a.cfg.Account, name, r.URL.Query().Get("Qualifier"))})
	}
}
