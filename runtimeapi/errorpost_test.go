package runtimeapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestErrorPost(t *testing.T) {
	for _, tc := range []struct {
		name, header, body, wantType string
	}{
		{"header", "Runtime.ImportModuleError", `{"errorType":"other","errorMessage":"m"}`, "Runtime.ImportModuleError"},
		{"body", "", `{"errorMessage":"boom","errorType":"errorString","stackTrace":[]}`, "errorString"},
		{"no type", "", `{"errorMessage":"boom"}`, "Unhandled"},
		{"not json", "", "segfault\x00\xff", "Unhandled"},
		{"empty", "", "", "Unhandled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t)
			_, inv := delivered(t, s, testInvocation("id-e"))
			r := httptest.NewRequest(http.MethodPost, errorPath("id-e"), bytes.NewReader([]byte(tc.body)))
			if tc.header != "" {
				r.Header.Set("Lambda-Runtime-Function-Error-Type", tc.header)
			}
			checkResponse(t, serve(s, r), http.StatusAccepted, accepted)
			res := receive(t, inv)
			if res.err != nil || res.res.Outcome != FunctionError || string(res.res.Body) != tc.body || res.res.ErrorType != tc.wantType {
				t.Errorf("Invoke = %v %q %q, %v; want FunctionError %q", res.res.Outcome, res.res.ErrorType, res.res.Body, res.err, tc.wantType)
			}
			checkErrorDoc(t, post(s, errorPath("id-e"), nil), http.StatusForbidden, "InvalidStateTransition")
			checkErrorDoc(t, post(s, responsePath("id-e"), nil), http.StatusForbidden, "InvalidStateTransition")
		})
	}
}

func TestErrorPostTooLarge(t *testing.T) {
	s := newTestServer(t)
	_, inv := delivered(t, s, testInvocation("id-e"))
	r := httptest.NewRequest(http.MethodPost, errorPath("id-e"), bytes.NewReader(make([]byte, maxPayload+1)))
	checkResponse(t, serve(s, r), http.StatusRequestEntityTooLarge, tooLarge)
	if res := receive(t, inv); res.res.Outcome != ResponseTooLarge {
		t.Errorf("Invoke = %v", res.res.Outcome)
	}
}
