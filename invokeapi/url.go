package invokeapi

import (
	"net/http"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

// Function URLs: CreateFunctionUrlConfig, GetFunctionUrlConfig,
// UpdateFunctionUrlConfig, DeleteFunctionUrlConfig and
// ListFunctionUrlConfigs. The URLs are served by the daemon's URL listener
// (package funcurl); Config.FunctionURL says where.

// functionURLConfig is Lambda's answer to the URL operations (and an
// element of ListFunctionUrlConfigs' FunctionUrlConfigs).
type functionURLConfig struct {
	FunctionUrl      string
	FunctionArn      string
	AuthType         string
	Cors             *function.Cors `json:",omitempty"`
	CreationTime     string
	LastModifiedTime string `json:",omitempty"`
	InvokeMode       string
}

// urlTimeFormat is Lambda's CreationTime and LastModifiedTime (ISO 8601,
// microseconds).
const urlTimeFormat = "2006-01-02T15:04:05.000000Z"

func (a *api) functionURLConfig(u catalog.URL) functionURLConfig {
	q := u.Qualifier
	if q == function.LatestVersion {
		q = ""
	}
	return functionURLConfig{
		FunctionUrl:      a.functionURL(u.ID),
		FunctionArn:      function.ARN(a.cfg.Region, a.cfg.Account, u.Function, q),
		AuthType:         u.Config.AuthType,
		Cors:             u.Config.Cors,
		CreationTime:     u.Created.UTC().Format(urlTimeFormat),
		LastModifiedTime: u.Updated.UTC().Format(urlTimeFormat),
		InvokeMode:       u.Config.Mode(),
	}
}

// functionURL is the URL of the URL id.
func (a *api) functionURL(id string) string {
	if a.cfg.FunctionURL == nil {
		return "http://" + id + ".lambda-url.localhost/"
	}
	return a.cfg.FunctionURL(id)
}

// urlRef is the function and qualifier a URL request names.
func urlRef(r *http.Request) (function.Ref, *serviceError) {
	return ref(r.PathValue("name"), r.URL.Query().Get("Qualifier"))
}

// urlInput is CreateFunctionUrlConfig's and UpdateFunctionUrlConfig's body.
type urlInput struct {
	AuthType   *string
	InvokeMode *string
	Cors       *function.Cors
}

// createFunctionURL is POST /2021-10-31/functions/{name}/url.
func (a *api) createFunctionURL(w http.ResponseWriter, r *http.Request) {
	fn, serr := urlRef(r)
	if serr != nil {
		serr.write(w)
		return
	}
	var in urlInput
	if serr := a.decodeBody(w, r, maxControlRequest, "CreateFunctionUrlConfig", &in, nil); serr != nil {
		serr.write(w)
		return
	}
	if in.AuthType == nil {
		invalidParam("1 validation error detected: Value null at 'authType' failed to satisfy constraint: Member must not be null").write(w)
		return
	}
	cfg := function.URLConfig{AuthType: *in.AuthType, Cors: in.Cors}
	if in.InvokeMode != nil {
		cfg.InvokeMode = *in.InvokeMode
	}
	u, err := a.cfg.Functions.CreateURL(fn.Name, fn.Qualifier, cfg)
	if err != nil {
		a.urlError(err, fn).write(w)
		return
	}
	out := a.functionURLConfig(u)
	out.LastModifiedTime = "" // not in CreateFunctionUrlConfig's answer
	writeJSONStatus(w, http.StatusCreated, out)
}

// getFunctionURL is GET /2021-10-31/functions/{name}/url.
func (a *api) getFunctionURL(w http.ResponseWriter, r *http.Request) {
	fn, serr := urlRef(r)
	if serr != nil {
		serr.write(w)
		return
	}
	u, err := a.cfg.Functions.URL(fn.Name, fn.Qualifier)
	if err != nil {
		a.urlError(err, fn).write(w)
		return
	}
	writeJSON(w, a.functionURLConfig(u))
}

// updateFunctionURL is PUT /2021-10-31/functions/{name}/url: the fields
// given replace the old ones (Cors whole).
func (a *api) updateFunctionURL(w http.ResponseWriter, r *http.Request) {
	fn, serr := urlRef(r)
	if serr != nil {
		serr.write(w)
		return
	}
	var in urlInput
	if serr := a.decodeBody(w, r, maxControlRequest, "UpdateFunctionUrlConfig", &in, nil); serr != nil {
		serr.write(w)
		return
	}
	u, err := a.cfg.Functions.UpdateURL(fn.Name, fn.Qualifier, catalog.URLUpdate{AuthType: in.AuthType, InvokeMode: in.InvokeMode, Cors: in.Cors})
	if err != nil {
		a.urlError(err, fn).write(w)
		return
	}
	writeJSON(w, a.functionURLConfig(u))
}

// deleteFunctionURL is DELETE /2021-10-31/functions/{name}/url.
func (a *api) deleteFunctionURL(w http.ResponseWriter, r *http.Request) {
	fn, serr := urlRef(r)
	if serr != nil {
		serr.write(w)
		return
	}
	if err := a.cfg.Functions.DeleteURL(fn.Name, fn.Qualifier); err != nil {
		a.urlError(err, fn).write(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listFunctionURLs is GET /2021-10-31/functions/{name}/urls.
func (a *api) listFunctionURLs(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	all, err := a.cfg.Functions.FunctionURLs(name)
	if err != nil {
		a.urlError(err, function.Ref{Name: name}).write(w)
		return
	}
	q := r.URL.Query()
	page, next, serr := pageOf(all, q, func(u catalog.URL) string { return u.Qualifier })
	if serr != nil {
		serr.write(w)
		return
	}
	out := struct {
		FunctionUrlConfigs []functionURLConfig
		NextMarker         string `json:",omitempty"`
	}{FunctionUrlConfigs: []functionURLConfig{}, NextMarker: next}
	for _, u := range page {
		out.FunctionUrlConfigs = append(out.FunctionUrlConfigs, a.functionURLConfig(u))
	}
	writeJSON(w, out)
}

// urlError answers a URL request the catalog refused: a function that is
// not there as GetFunction does, anything else as the catalog says.
func (a *api) urlError(err error, fn function.Ref) *serviceError {
	if cerr, ok := err.(*catalog.Error); ok && cerr.Message == "Function not found: "+fn.Name {
		return a.lookupError(err, fn.Name, function.ARN(a.cfg.Region, a.cfg.Account, fn.Name, ""))
	}
	return controlError(err)
}
