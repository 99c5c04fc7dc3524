package invokeapi

import (
	"net/http"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

// Aliases: CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases.

// aliasConfiguration is Lambda's AliasConfiguration.
type aliasConfiguration struct {
	AliasArn        string
	Name            string
	FunctionVersion string
	Description     string
	RoutingConfig   *routingConfig `json:",omitempty"`
	RevisionId      string
}

// routingConfig is Lambda's AliasRoutingConfiguration.
type routingConfig struct {
	AdditionalVersionWeights map[string]float64
}

func (a *api) aliasConfiguration(name string, al catalog.Alias) aliasConfiguration {
	c := aliasConfiguration{
		AliasArn: function.ARN(a.cfg.Region, a.cfg.Account, name, al.Name), Name: al.Name,
		FunctionVersion: al.FunctionVersion, Description: al.Description, RevisionId: al.RevisionID,
	}
	if len(al.Weights) > 0 {
		c.RoutingConfig = &routingConfig{AdditionalVersionWeights: al.Weights}
	}
	return c
}

// aliasInput is CreateAlias's and UpdateAlias's body.
type aliasInput struct {
	Name            string
	FunctionVersion *string
	Description     *string
	RoutingConfig   *routingConfig
	RevisionId      string
}

// createAlias is POST /2015-03-31/functions/{name}/aliases.
func (a *api) createAlias(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	var in aliasInput
	if serr := a.decodeBody(w, r, maxControlRequest, "CreateAlias", &in, nil); serr != nil {
		serr.write(w)
		return
	}
	if in.FunctionVersion == nil || *in.FunctionVersion == "" {
		invalidParam("1 validation error detected: Value null at 'functionVersion' failed to satisfy constraint: Member must not be null").write(w)
		return
	}
	al := catalog.Alias{Name: in.Name, FunctionVersion: *in.FunctionVersion}
	if in.Description != nil {
		al.Description = *in.Description
	}
	if in.RoutingConfig != nil {
		al.Weights = in.RoutingConfig.AdditionalVersionWeights
	}
	got, err := a.cfg.Functions.CreateAlias(name, al)
	if err != nil {
		controlError(err).write(w)
		return
	}
	writeJSONStatus(w, http.StatusCreated, a.aliasConfiguration(name, got))
}

// getAlias is GET /2015-03-31/functions/{name}/aliases/{alias}.
func (a *api) getAlias(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	got, err := a.cfg.Functions.GetAlias(name, r.PathValue("alias"))
	if err != nil {
		controlError(err).write(w)
		return
	}
	writeJSON(w, a.aliasConfiguration(name, got))
}

// updateAlias is PUT /2015-03-31/functions/{name}/aliases/{alias}: the
// fields given change; an empty RoutingConfig removes the routing.
func (a *api) updateAlias(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	var in aliasInput
	if serr := a.decodeBody(w, r, maxControlRequest, "UpdateAlias", &in, nil); serr != nil {
		serr.write(w)
		return
	}
	u := catalog.AliasUpdate{FunctionVersion: in.FunctionVersion, Description: in.Description, RevisionID: in.RevisionId}
	if in.RoutingConfig != nil {
		u.Weights = in.RoutingConfig.AdditionalVersionWeights
		if u.Weights == nil {
			u.Weights = map[string]float64{}
		}
	}
	got, err := a.cfg.Functions.UpdateAlias(name, r.PathValue("alias"), u)
	if err != nil {
		controlError(err).write(w)
		return
	}
	writeJSON(w, a.aliasConfiguration(name, got))
}

// deleteAlias is DELETE /2015-03-31/functions/{name}/aliases/{alias}.
func (a *api) deleteAlias(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	if err := a.cfg.Functions.DeleteAlias(name, r.PathValue("alias")); err != nil {
		controlError(err).write(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listAliases is GET /2015-03-31/functions/{name}/aliases (FunctionVersion:
// only the aliases that route to it).
func (a *api) listAliases(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	q := r.URL.Query()
	all, err := a.cfg.Functions.Aliases(name, q.Get("FunctionVersion"))
	if err != nil {
		controlError(err).write(w)
		return
	}
	page, next, serr := pageOf(all, q, func(al catalog.Alias) string { return al.Name })
	if serr != nil {
		serr.write(w)
		return
	}
	out := struct {
		Aliases    []aliasConfiguration
		NextMarker string `json:",omitempty"`
	}{Aliases: []aliasConfiguration{}, NextMarker: next}
	for _, al := range page {
		out.Aliases = append(out.Aliases, a.aliasConfiguration(name, al))
	}
	writeJSON(w, out)
}
