package invokeapi

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

// The write side of Lambda's control plane: CreateFunction,
// UpdateFunctionCode, UpdateFunctionConfiguration, DeleteFunction,
// PublishVersion and ListVersionsByFunction, in the shapes aws-sdk-go-v2's
// serializers write.

// definitionFields are the fields of a CreateFunction or
// UpdateFunctionConfiguration request that become the function's
// definition (function.json's names and meaning). Network is lambdad's
// own. The others the request may hold (Role, VpcConfig, TracingConfig,
// KMSKeyArn, DeadLetterConfig, SnapStart, Architectures,
// FileSystemConfigs, CodeSigningConfigArn and what later APIs add) change
// nothing in a local sandbox and are accepted and ignored.
var definitionFields = []string{
	"Runtime", "Handler", "MemorySize", "Timeout", "Environment", "EphemeralStorage",
	"PackageType", "ImageConfig", "Network", "LoggingConfig",
}

// checkLayers refuses Layers in a request: a layer is an ARN on Lambda,
// and lambdad has no layer registry; a path of the daemon's host, as
// function.json may give, would let any client bind the host's files into
// a sandbox it runs.
func checkLayers(fields map[string]json.RawMessage) *serviceError {
	raw, ok := fields["Layers"]
	var layers []string
	if !ok || (json.Unmarshal(raw, &layers) == nil && len(layers) == 0) {
		return nil // none, or an empty list (what removes layers)
	}
	return invalidParam("Layers: lambdad has no layer registry (PublishLayerVersion), so the API takes no layers: " +
		"put the layer's files in the function's zip, or serve the function from --functions or --template, where Layers are local paths")
}

// codeInput is FunctionCode (CreateFunction's Code), and the code fields of
// UpdateFunctionCode's body.
type codeInput struct {
	ZipFile         []byte // base64 in the JSON, as the SDKs send it
	ImageUri        string
	S3Bucket        string
	S3Key           string
	S3ObjectVersion string
	SourceKMSKeyArn string
}

// check refuses code lambdad cannot fetch.
func (c codeInput) check() *serviceError {
	if c.S3Bucket != "" || c.S3Key != "" || c.S3ObjectVersion != "" {
		return invalidParam("lambdad does not read code from S3 (S3Bucket, S3Key): send the zip in the request " +
			"(ZipFile; the aws CLI's --zip-file fileb://function.zip), or give an ImageUri")
	}
	return nil
}

// maxCodeRequest bounds a request that carries a code zip: Lambda's 50 MB
// direct-upload limit, base64 encoded in JSON.
const maxCodeRequest = 69905067

// decodeBody decodes the request's JSON body (at most limit bytes) into
// v, and, if fields is not nil, each of its top-level fields as raw JSON.
func (a *api) decodeBody(w http.ResponseWriter, r *http.Request, limit int, op string, v any, fields *map[string]json.RawMessage) *serviceError {
	body, held, serr := a.requestBody(w, r, limit)
	if serr != nil {
		if serr.code == codeTooLarge {
			serr = codeTooLargeError(limit, op)
		}
		return serr
	}
	defer a.inflight.release(held)
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &serviceError{status: http.StatusBadRequest, code: codeInvalidContent, message: "Could not parse request body into json: " + err.Error()}
	}
	if fields != nil {
		if err := json.Unmarshal(body, fields); err != nil {
			return &serviceError{status: http.StatusBadRequest, code: codeInvalidContent, message: "Could not parse request body into json: " + err.Error()}
		}
	}
	return nil
}

// codeTooLargeError answers a control-plane request (op) whose body is
// over limit, as Lambda answers an upload over its 50 MB.
func codeTooLargeError(limit int, op string) *serviceError {
	return &serviceError{status: http.StatusRequestEntityTooLarge, code: catalog.TooLarge,
		message: fmt.Sprintf("Request must be smaller than %d bytes for the %s operation", limit, op)}
}

// requestBody is the request's body of at most limit bytes: the one
// authenticate read, or read here, with the bytes held that the caller
// releases.
func (a *api) requestBody(w http.ResponseWriter, r *http.Request, limit int) ([]byte, int64, *serviceError) {
	if body, ok := r.Context().Value(bodyKey{}).([]byte); ok {
		if len(body) > limit {
			return nil, 0, tooLarge(limit)
		}
		return body, 0, nil
	}
	return a.readBody(w, r, limit)
}

// definition picks the definition's fields out of a request's.
func definition(fields map[string]json.RawMessage) map[string]json.RawMessage {
	def := map[string]json.RawMessage{}
	for _, k := range definitionFields {
		if v, ok := fields[k]; ok {
			def[k] = v
		}
	}
	return def
}

// apiName is the function a create or write names: a name or ARN without
// a qualifier.
func apiName(name string) (string, *serviceError) {
	r, serr := ref(name, "")
	if serr != nil {
		return "", serr
	}
	if r.Qualifier != "" {
		return "", invalidParam(fmt.Sprintf("%s: a qualifier (:%s) is not allowed here", name, r.Qualifier))
	}
	return r.Name, nil
}

// createFunction is POST /2015-03-31/functions: a new function from a zip
// in the request or an image. It answers 201 with the function Pending,
// as Lambda does; it is Active by the time a client asks again.
func (a *api) createFunction(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FunctionName string
		Code         *codeInput
		Description  string
		Publish      bool
		Tags         map[string]string
		PackageType  string
		Runtime      string
		Handler      string
	}
	var fields map[string]json.RawMessage
	if serr := a.decodeBody(w, r, maxCodeRequest, "CreateFunction", &in, &fields); serr != nil {
		serr.write(w)
		return
	}
	name, serr := apiName(in.FunctionName)
	switch {
	case in.FunctionName == "":
		serr = invalidParam("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null")
	case in.Code == nil:
		serr = invalidParam("1 validation error detected: Value null at 'code' failed to satisfy constraint: Member must not be null")
	}
	if serr == nil {
		serr = in.Code.check()
	}
	image := in.PackageType == function.PackageImage || in.Code != nil && in.Code.ImageUri != ""
	switch {
	case serr != nil:
	case image && in.PackageType != function.PackageImage:
		serr = invalidParam("Please provide PackageType Image with ImageUri")
	case image && in.Code.ImageUri == "":
		serr = invalidParam("Please provide ImageUri when creating a function with packageType Image.")
	case !image && (in.Runtime == "" || in.Handler == ""):
		serr = invalidParam("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	case !image && len(in.Code.ZipFile) == 0:
		serr = invalidParam("Please provide a source for function code: ZipFile (lambdad reads no S3)")
	}
	if serr == nil {
		serr = checkLayers(fields)
	}
	if serr != nil {
		serr.write(w)
		return
	}
	def, _ := json.Marshal(definition(fields))
	v, err := a.cfg.Functions.Create(catalog.CreateRequest{
		Name: name, Definition: def, Description: in.Description, Zip: in.Code.ZipFile, ImageURI: in.Code.ImageUri,
		Tags: in.Tags, Publish: in.Publish,
	})
	if err != nil {
		controlError(err).write(w)
		return
	}
	a.cfg.Logger.Info("function created", "function", name, "version", v.Config.Version, "code_sha256", v.CodeSHA256)
	c := a.configuration(v, "")
	reason, code := "The function is being created.", "Creating"
	c.State, c.StateReason, c.StateReasonCode = "Pending", &reason, &code
	c.LastUpdateStatus = ""
	writeJSONStatus(w, http.StatusCreated, c)
}

// updateFunctionCode is PUT /2015-03-31/functions/{name}/code.
func (a *api) updateFunctionCode(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	var in struct {
		codeInput
		Publish    bool
		DryRun     bool
		RevisionId string
	}
	if serr := a.decodeBody(w, r, maxCodeRequest, "UpdateFunctionCode", &in, nil); serr != nil {
		serr.write(w)
		return
	}
	if serr := in.check(); serr != nil {
		serr.write(w)
		return
	}
	v, err := a.cfg.Functions.UpdateCode(name, catalog.CodeUpdate{
		Zip: in.ZipFile, ImageURI: in.ImageUri, Publish: in.Publish, DryRun: in.DryRun, RevisionID: in.RevisionId,
	})
	if err != nil {
		controlError(err).write(w)
		return
	}
	if !in.DryRun {
		a.cfg.Logger.Info("function code updated", "function", name, "code_sha256", v.CodeSHA256, "revision", v.Config.RevisionID)
	}
	writeJSON(w, a.updating(v))
}

// updating describes v as an update's answer: the update InProgress, as
// Lambda answers it (done by the time a client asks again).
func (a *api) updating(v catalog.Version) functionConfiguration {
	c := a.configuration(v, "")
	if v.Err == nil {
		reason, code := "The function is being created.", "Creating"
		c.LastUpdateStatus, c.LastUpdateStatusReason, c.LastUpdateStatusReasonCode = "InProgress", &reason, &code
	}
	return c
}

// updateFunctionConfiguration is PUT /2015-03-31/functions/{name}/configuration:
// each field given replaces the old value whole, as on Lambda.
func (a *api) updateFunctionConfiguration(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	var in struct {
		Description *string
		RevisionId  string
	}
	var fields map[string]json.RawMessage
	if serr := a.decodeBody(w, r, maxControlRequest, "UpdateFunctionConfiguration", &in, &fields); serr != nil {
		serr.write(w)
		return
	}
	if serr := checkLayers(fields); serr != nil {
		serr.write(w)
		return
	}
	v, err := a.cfg.Functions.UpdateConfig(name, definition(fields), in.Description, in.RevisionId)
	if err != nil {
		controlError(err).write(w)
		return
	}
	a.cfg.Logger.Info("function configuration updated", "function", name, "revision", v.Config.RevisionID)
	writeJSON(w, a.updating(v))
}

// deleteFunction is DELETE /2015-03-31/functions/{name}: the function, or
// with a Qualifier one of its versions. Invokes in flight finish.
func (a *api) deleteFunction(w http.ResponseWriter, r *http.Request) {
	fr, serr := ref(r.PathValue("name"), r.URL.Query().Get("Qualifier"))
	if serr != nil {
		serr.write(w)
		return
	}
	if err := a.cfg.Functions.Delete(fr.Name, fr.Qualifier); err != nil {
		controlError(err).write(w)
		return
	}
	a.cfg.Logger.Info("function deleted", "function", fr.Name, "qualifier", fr.Qualifier)
	w.WriteHeader(http.StatusNoContent)
}

// publishVersion is POST /2015-03-31/functions/{name}/versions.
func (a *api) publishVersion(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	var in struct{ CodeSha256, Description, RevisionId string }
	if serr := a.decodeBody(w, r, maxControlRequest, "PublishVersion", &in, nil); serr != nil {
		serr.write(w)
		return
	}
	v, err := a.cfg.Functions.Publish(name, in.CodeSha256, in.Description, in.RevisionId)
	if err != nil {
		controlError(err).write(w)
		return
	}
	a.cfg.Logger.Info("function version published", "function", name, "version", v.Config.Version)
	writeJSONStatus(w, http.StatusCreated, a.configuration(v, ""))
}

// listVersions is GET /2015-03-31/functions/{name}/versions: $LATEST, then
// each published version by number.
func (a *api) listVersions(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	vs, err := a.cfg.Functions.Versions(name)
	if err != nil {
		controlError(err).write(w)
		return
	}
	page, next, serr := pageOf(vs, r.URL.Query(), func(v catalog.Version) string { return v.Config.Version })
	if serr != nil {
		serr.write(w)
		return
	}
	out := struct {
		Versions   []functionConfiguration
		NextMarker string `json:",omitempty"`
	}{Versions: []functionConfiguration{}, NextMarker: next}
	for _, v := range page {
		out.Versions = append(out.Versions, a.configuration(v, ""))
	}
	writeJSON(w, out)
}

// maxControlRequest bounds a control-plane request without code.
const maxControlRequest = 1 << 20

func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
