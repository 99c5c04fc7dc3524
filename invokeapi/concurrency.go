package invokeapi

import (
	"net/http"
	"strings"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

// Concurrency and tags: PutFunctionConcurrency, GetFunctionConcurrency,
// DeleteFunctionConcurrency, the provisioned-concurrency operations,
// TagResource, ListTags and UntagResource.

// putConcurrency is PUT /2017-10-31/functions/{name}/concurrency.
func (a *api) putConcurrency(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	var in struct{ ReservedConcurrentExecutions *int }
	if serr := a.decodeBody(w, r, maxControlRequest, "PutFunctionConcurrency", &in, nil); serr != nil {
		serr.write(w)
		return
	}
	if in.ReservedConcurrentExecutions == nil {
		invalidParam("1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null").write(w)
		return
	}
	if err := a.cfg.Functions.PutConcurrency(name, *in.ReservedConcurrentExecutions); err != nil {
		controlError(err).write(w)
		return
	}
	writeJSON(w, in)
}

// getConcurrency is GET /2019-09-30/functions/{name}/concurrency: {} when
// the function reserves none.
func (a *api) getConcurrency(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	v, err := a.cfg.Functions.Describe(name, "")
	if err != nil {
		controlError(err).write(w)
		return
	}
	out := map[string]int{}
	if v.Reserved != nil {
		out["ReservedConcurrentExecutions"] = *v.Reserved
	}
	writeJSON(w, out)
}

// deleteConcurrency is DELETE /2017-10-31/functions/{name}/concurrency.
func (a *api) deleteConcurrency(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	if err := a.cfg.Functions.DeleteConcurrency(name); err != nil {
		controlError(err).write(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// provisionedConfiguration is Lambda's provisioned-concurrency
// configuration, as Get and Put answer it and List lists it.
type provisionedConfiguration struct {
	FunctionArn                              string `json:",omitempty"` // List's only
	RequestedProvisionedConcurrentExecutions int
	AvailableProvisionedConcurrentExecutions int
	AllocatedProvisionedConcurrentExecutions int
	Status                                   string
	StatusReason                             string `json:",omitempty"`
	LastModified                             string
}

// provisionedConfiguration reports p: READY once the scheduler holds as
// many initialised instances as requested, IN_PROGRESS before.
func (a *api) provisionedConfiguration(name string, p catalog.ProvisionedConfig) provisionedConfiguration {
	ready := p.Requested
	if a.cfg.ProvisionedReady != nil {
		ready = min(a.cfg.ProvisionedReady(p.Config.Key()), p.Requested)
	}
	c := provisionedConfiguration{
		RequestedProvisionedConcurrentExecutions: p.Requested,
		AvailableProvisionedConcurrentExecutions: ready,
		AllocatedProvisionedConcurrentExecutions: ready,
		Status:                                   "IN_PROGRESS",
		LastModified:                             p.LastModified.UTC().Format(lastModifiedFormat),
	}
	if ready >= p.Requested {
		c.Status = "READY"
	}
	return c
}

// putProvisioned is PUT /2019-09-30/functions/{name}/provisioned-concurrency?Qualifier=.
func (a *api) putProvisioned(w http.ResponseWriter, r *http.Request) {
	fr, serr := ref(r.PathValue("name"), r.URL.Query().Get("Qualifier"))
	if serr != nil {
		serr.write(w)
		return
	}
	var in struct{ ProvisionedConcurrentExecutions *int }
	if serr := a.decodeBody(w, r, maxControlRequest, "PutProvisionedConcurrencyConfig", &in, nil); serr != nil {
		serr.write(w)
		return
	}
	if in.ProvisionedConcurrentExecutions == nil {
		invalidParam("1 validation error detected: Value null at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must not be null").write(w)
		return
	}
	p, err := a.cfg.Functions.PutProvisioned(fr.Name, fr.Qualifier, *in.ProvisionedConcurrentExecutions)
	if err != nil {
		controlError(err).write(w)
		return
	}
	writeJSONStatus(w, http.StatusAccepted, a.provisionedConfiguration(fr.Name, p))
}

// getProvisioned is GET /2019-09-30/functions/{name}/provisioned-concurrency:
// with Qualifier, one configuration (GetProvisionedConcurrencyConfig);
// with List=ALL, every one (ListProvisionedConcurrencyConfigs).
func (a *api) getProvisioned(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("List") == "ALL" {
		a.listProvisioned(w, r)
		return
	}
	fr, serr := ref(r.PathValue("name"), q.Get("Qualifier"))
	if serr != nil {
		serr.write(w)
		return
	}
	p, err := a.cfg.Functions.GetProvisioned(fr.Name, fr.Qualifier)
	if err != nil {
		controlError(err).write(w)
		return
	}
	writeJSON(w, a.provisionedConfiguration(fr.Name, p))
}

func (a *api) listProvisioned(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	all, err := a.cfg.Functions.ListProvisioned(name)
	if err != nil {
		controlError(err).write(w)
		return
	}
	page, next, serr := pageOf(all, r.URL.Query(), func(p catalog.ProvisionedConfig) string { return p.Qualifier })
	if serr != nil {
		serr.write(w)
		return
	}
	out := struct {
		ProvisionedConcurrencyConfigs []provisionedConfiguration
		NextMarker                    string `json:",omitempty"`
	}{ProvisionedConcurrencyConfigs: []provisionedConfiguration{}, NextMarker: next}
	for _, p := range page {
		c := a.provisionedConfiguration(name, p)
		c.FunctionArn = function.ARN(a.cfg.Region, a.cfg.Account, name, p.Qualifier)
		out.ProvisionedConcurrencyConfigs = append(out.ProvisionedConcurrencyConfigs, c)
	}
	writeJSON(w, out)
}

// deleteProvisioned is DELETE /2019-09-30/functions/{name}/provisioned-concurrency?Qualifier=.
func (a *api) deleteProvisioned(w http.ResponseWriter, r *http.Request) {
	fr, serr := ref(r.PathValue("name"), r.URL.Query().Get("Qualifier"))
	if serr != nil {
		serr.write(w)
		return
	}
	if err := a.cfg.Functions.DeleteProvisioned(fr.Name, fr.Qualifier); err != nil {
		controlError(err).write(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// taggedFunction is the function a tagging request's resource ARN names.
func (a *api) taggedFunction(r *http.Request) (string, *serviceError) {
	arn := r.PathValue("arn")
	if !strings.HasPrefix(arn, "arn:") {
		return "", invalidParam("1 validation error detected: Value '" + arn + "' at 'resource' failed to satisfy constraint: Member must be a function ARN")
	}
	return apiName(arn)
}

// tagResource is POST /2017-03-31/tags/{arn}.
func (a *api) tagResource(w http.ResponseWriter, r *http.Request) {
	name, serr := a.taggedFunction(r)
	if serr != nil {
		serr.write(w)
		return
	}
	var in struct{ Tags map[string]string }
	if serr := a.decodeBody(w, r, maxControlRequest, "TagResource", &in, nil); serr != nil {
		serr.write(w)
		return
	}
	if err := a.cfg.Functions.Tag(name, in.Tags); err != nil {
		controlError(err).write(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listTags is GET /2017-03-31/tags/{arn}.
func (a *api) listTags(w http.ResponseWriter, r *http.Request) {
	name, serr := a.taggedFunction(r)
	if serr != nil {
		serr.write(w)
		return
	}
	tags, err := a.cfg.Functions.Tags(name)
	if err != nil {
		controlError(err).write(w)
		return
	}
	writeJSON(w, map[string]map[string]string{"Tags": nonNil(tags)})
}

// untagResource is DELETE /2017-03-31/tags/{arn}?tagKeys=k&tagKeys=….
func (a *api) untagResource(w http.ResponseWriter, r *http.Request) {
	name, serr := a.taggedFunction(r)
	if serr != nil {
		serr.write(w)
		return
	}
	if err := a.cfg.Functions.Untag(name, r.URL.Query()["tagKeys"]); err != nil {
		controlError(err).write(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// nonNil is m, or an empty map for nil: the SDKs read {} and null alike,
// the aws CLI prints them differently.
func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
