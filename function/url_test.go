package function

import (
	"strings"
	"testing"
)

func TestURLID(t *testing.T) {
	for _, tc := range []struct{ name, qualifier, want string }{
		{"hello", "", "hello"},
		{"hello", LatestVersion, "hello"},
		{"HelloWorldFunction", "", "helloworldfunction"},
		{"hello", "live", "hello--live"},
		{"my-fn", "Prod", "my-fn--prod"},
		{"my_fn", "", URLHashID("my_fn", "")},
		{"a--b", "", URLHashID("a--b", "")},
		{"-a", "", URLHashID("-a", "")},
		{"a-", "", URLHashID("a-", "")},
		{"hello", "v_1", URLHashID("hello", "v_1")},
		{strings.Repeat("a", 60), "live", URLHashID(strings.Repeat("a", 60), "live")},
	} {
		if got := URLID(tc.name, tc.qualifier); got != tc.want {
			t.Errorf("URLID(%q, %q) = %q, want %q", tc.name, tc.qualifier, got, tc.want)
		}
	}
	h := URLHashID("my_fn", "")
	if len(h) != 22 || !strings.HasPrefix(h, "h--") || !strings.HasSuffix(h, "--h") || readableLabel(h) || h != strings.ToLower(h) {
		t.Errorf("URLHashID = %q", h)
	}
	if URLHashID("a", "") == URLHashID("A", "") || URLHashID("a", "") != URLHashID("a", LatestVersion) {
		t.Error("hash ids: case must differ, $LATEST must be none")
	}
}

func TestURLConfigProblems(t *testing.T) {
	long := strings.Repeat("x", 1025)
	for _, tc := range []struct {
		cfg  URLConfig
		want string // a field named, "" for none
	}{
		{URLConfig{AuthType: "NONE"}, ""},
		{URLConfig{AuthType: "AWS_IAM", InvokeMode: "RESPONSE_STREAM", Cors: &Cors{AllowOrigins: []string{"*"}, MaxAge: 86400}}, ""},
		{URLConfig{}, "AuthType"},
		{URLConfig{AuthType: "none"}, "AuthType"},
		{URLConfig{AuthType: "NONE", InvokeMode: "STREAM"}, "InvokeMode"},
		{URLConfig{AuthType: "NONE", Cors: &Cors{MaxAge: -1}}, "Cors.MaxAge"},
		{URLConfig{AuthType: "NONE", Cors: &Cors{MaxAge: 86401}}, "Cors.MaxAge"},
		{URLConfig{AuthType: "NONE", Cors: &Cors{AllowMethods: []string{"OPTIONS2"}}}, "Cors.AllowMethods"},
		{URLConfig{AuthType: "NONE", Cors: &Cors{AllowMethods: []string{"GET", "PUT", "POST", "HEAD", "PATCH", "DELETE", "*"}}}, "Cors.AllowMethods"},
		{URLConfig{AuthType: "NONE", Cors: &Cors{AllowOrigins: []string{""}}}, "Cors.AllowOrigins"},
		{URLConfig{AuthType: "NONE", Cors: &Cors{AllowHeaders: []string{long}}}, "Cors.AllowHeaders"},
		{URLConfig{AuthType: "NONE", Cors: &Cors{ExposeHeaders: make([]string, 101)}}, "Cors.ExposeHeaders"},
	} {
		ps := tc.cfg.Problems("FunctionUrlConfig.")
		switch {
		case tc.want == "" && len(ps) > 0:
			t.Errorf("%+v: %v", tc.cfg, ps)
		case tc.want != "" && (len(ps) == 0 || ps[0].Field != "FunctionUrlConfig."+tc.want):
			t.Errorf("%+v: %v, want a problem of %s", tc.cfg, ps, tc.want)
		}
	}
}

// function.json's FunctionUrlConfig is read strictly and checked at load.
func TestParseFunctionURLConfig(t *testing.T) {
	c, err := ParseConfig("fn", []byte(`{"Runtime":"python3.12","FunctionUrlConfig":{"AuthType":"NONE","InvokeMode":"RESPONSE_STREAM","Cors":{"AllowOrigins":["*"],"MaxAge":10}}}`))
	if err != nil || c.URL == nil || c.URL.Mode() != URLResponseStream || c.URL.Cors.MaxAge != 10 {
		t.Fatalf("%+v, %v", c.URL, err)
	}
	for _, bad := range []string{
		`{"Runtime":"python3.12","FunctionUrlConfig":{}}`,
		`{"Runtime":"python3.12","FunctionUrlConfig":{"AuthType":"NONE","Cors":{"MaxAge":100000}}}`,
		`{"Runtime":"python3.12","FunctionUrlConfig":{"AuthType":"NONE","Cors":{"AllowOrigin":["*"]}}}`,
	} {
		if _, err := ParseConfig("fn", []byte(bad)); err == nil || !strings.Contains(err.Error(), "FunctionUrlConfig") && !strings.Contains(err.Error(), "AllowOrigin") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
