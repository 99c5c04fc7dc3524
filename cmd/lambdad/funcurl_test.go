package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// webPy is a function for URLs: it answers its event back, as the body
// of a 201 with two cookies; /plain returns JSON without a statusCode,
// /fail raises.
const webPy = `import json

def handler(event, context):
    path = event["rawPath"]
    if path == "/fail":
        raise ValueError("bad input")
    if path == "/plain":
        return {"query": event.get("queryStringParameters")}
    return {"statusCode": 201, "headers": {"Content-Type": "application/json", "X-Path": path},
            "cookies": ["flavour=oat; Path=/", "size=big"], "body": json.dumps(event)}
`

// curl runs the real curl with args and returns its output: -i's status
// line and headers, then the body.
func curl(t *testing.T, args ...string) (status int, header map[string][]string, body string) {
	t.Helper()
	out, err := exec.Command("/usr/bin/curl", append([]string{"-sS", "-i", "--max-time", "60"}, args...)...).Output()
	if err != nil {
		t.Fatalf("curl %v: %v %s", args, err, out)
	}
	head, body, _ := strings.Cut(string(out), "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	var proto string
	if _, err := fmt.Sscan(lines[0], &proto, &status); err != nil {
		t.Fatalf("status line %q", lines[0])
	}
	header = map[string][]string{}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ":")
		k = strings.ToLower(k)
		header[k] = append(header[k], strings.TrimSpace(v))
	}
	return status, header, body
}

// Function URLs end to end with curl: one of function.json, one created
// through the API (aws-sdk-go-v2); the host form and the path form; a GET
// with a query string and cookies both ways; a POST of binary (base64 in
// the event); a result without statusCode; a function error (502); CORS.
func TestServeFunctionURLs(t *testing.T) {
	if _, err := os.Stat("/usr/bin/curl"); err != nil {
		t.Skip("no /usr/bin/curl")
	}
	fns := t.TempDir()
	for name, content := range map[string]string{
		"web/handler.py":    webPy,
		"web/function.json": `{"Handler":"handler.handler","FunctionUrlConfig":{"AuthType":"NONE"}}`,
	} {
		writeTestFile(t, filepath.Join(fns, name), content)
	}
	d := startDaemon(t, "--functions", fns, "--allow-runtime-mismatch")
	ctx := context.Background()
	cfg, err := d.client.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String("web")})
	if err != nil {
		t.Fatalf("%v\n%s", err, d.output)
	}
	hostURL := aws.ToString(cfg.FunctionUrl) // http://web.lambda-url.localhost:PORT/
	u, err := url.Parse(hostURL)
	if err != nil || u.Hostname() != "web.lambda-url.localhost" || u.Port() == "" {
		t.Fatalf("FunctionUrl %q", hostURL)
	}
	pathURL := "http://127.0.0.1:" + u.Port() + "/web/"

	// GET, host form: the query, cookies in and out.
	status, h, body := curl(t, hostURL+"items/7?a=1&a=2&b=x%20y", "-H", "Cookie: c1=v1; c2=v2", "-H", "X-Multi: 1", "-H", "X-Multi: 2")
	if status != 201 || !reflect.DeepEqual(h["set-cookie"], []string{"flavour=oat; Path=/", "size=big"}) || h["x-path"][0] != "/items/7" {
		t.Fatalf("GET: %d %v %s\n%s", status, h, body, d.output)
	}
	var e struct {
		RawPath               string            `json:"rawPath"`
		RawQueryString        string            `json:"rawQueryString"`
		Cookies               []string          `json:"cookies"`
		Headers               map[string]string `json:"headers"`
		QueryStringParameters map[string]string `json:"queryStringParameters"`
		RequestContext        struct {
			APIID string `json:"apiId"`
			HTTP  struct {
				Method, Path, SourceIP string
			} `json:"http"`
		} `json:"requestContext"`
		Body            string `json:"body"`
		IsBase64Encoded bool   `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	if e.RawPath != "/items/7" || e.RawQueryString != "a=1&a=2&b=x%20y" || !reflect.DeepEqual(e.QueryStringParameters, map[string]string{"a": "1,2", "b": "x y"}) ||
		!reflect.DeepEqual(e.Cookies, []string{"c1=v1", "c2=v2"}) || e.Headers["x-multi"] != "1,2" || e.RequestContext.APIID != "web" ||
		e.RequestContext.HTTP.Method != "GET" || e.RequestContext.HTTP.SourceIP == "" {
		t.Errorf("GET event: %s", body)
	}

	// POST of binary, path form.
	blob := []byte{0, 1, 2, 0xff, 0xfe, '\n'}
	file := filepath.Join(t.TempDir(), "blob")
	writeTestFile(t, file, string(blob))
	status, _, body = curl(t, "--data-binary", "@"+file, "-H", "Content-Type: application/octet-stream", pathURL+"upload")
	e.Body, e.IsBase64Encoded = "", false
	if err := json.Unmarshal([]byte(body), &e); status != 201 || err != nil || e.RawPath != "/upload" || !e.IsBase64Encoded ||
		e.Body != base64.StdEncoding.EncodeToString(blob) || e.RequestContext.HTTP.Method != "POST" {
		t.Errorf("POST: %d %s", status, body)
	}

	// No statusCode: the JSON, 200; a function error: 502.
	status, h, body = curl(t, pathURL+"plain?q=1")
	if status != 200 || h["content-type"][0] != "application/json" || strings.TrimSpace(body) != `{"query": {"q": "1"}}` {
		t.Errorf("plain: %d %v %q", status, h, body)
	}
	status, _, body = curl(t, hostURL+"fail")
	if status != 502 || body != "Internal Server Error" {
		t.Errorf("fail: %d %q", status, body)
	}
	if status, _, _ := curl(t, "http://127.0.0.1:"+u.Port()+"/nope/"); status != 404 {
		t.Errorf("unknown URL: %d", status)
	}

	// A function created through the API, its URL with CORS.
	var zipBuf bytes.Buffer
	zw := zip.NewWriter(&zipBuf)
	f, _ := zw.Create("handler.py")
	f.Write([]byte(webPy))
	zw.Close()
	if _, err := d.client.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("api-web"), Runtime: types.RuntimePython312, Handler: aws.String("handler.handler"),
		Role: aws.String("arn:aws:iam::123456789012:role/lambdad"), Code: &types.FunctionCode{ZipFile: zipBuf.Bytes()},
	}); err != nil {
		t.Fatalf("CreateFunction: %v\n%s", err, d.output)
	}
	created, err := d.client.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("api-web"),
		AuthType: types.FunctionUrlAuthTypeNone, Cors: &types.Cors{AllowOrigins: []string{"https://app.example"}, AllowMethods: []string{"POST"}, MaxAge: aws.Int32(600)}})
	if err != nil {
		t.Fatal(err)
	}
	apiURL := aws.ToString(created.FunctionUrl)
	if apiURL != "http://api-web.lambda-url.localhost:"+u.Port()+"/" {
		t.Fatalf("FunctionUrl %q", apiURL)
	}
	status, h, _ = curl(t, "-X", "OPTIONS", "-H", "Origin: https://app.example", "-H", "Access-Control-Request-Method: POST", apiURL+"x")
	if status != 200 || h["access-control-allow-origin"][0] != "https://app.example" || h["access-control-allow-methods"][0] != "POST" || h["access-control-max-age"][0] != "600" {
		t.Errorf("preflight: %d %v", status, h)
	}
	status, h, body = curl(t, "-H", "Origin: https://app.example", "--data", `{"k":"v"}`, "-H", "Content-Type: application/json", apiURL+"json")
	e.Body, e.IsBase64Encoded = "", true
	if err := json.Unmarshal([]byte(body), &e); status != 201 || err != nil || e.Body != `{"k":"v"}` || e.IsBase64Encoded ||
		h["access-control-allow-origin"][0] != "https://app.example" {
		t.Errorf("API function's URL: %d %v %s", status, h, body)
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestServeFunctionURLStream: a RESPONSE_STREAM URL of an aws-lambda-go
// function that returns a LambdaFunctionURLStreamingResponse: its status,
// headers and cookie come from the stream's prelude, and its first part
// reaches the client while the function still works on the second.
func TestServeFunctionURLStream(t *testing.T) {
	code, err := os.ReadFile(gofn)
	if err != nil {
		t.Fatal(err)
	}
	fns := t.TempDir()
	writeTestFile(t, filepath.Join(fns, "streamer", "function.json"),
		`{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":30,"FunctionUrlConfig":{"AuthType":"NONE","InvokeMode":"RESPONSE_STREAM"}}`)
	if err := os.WriteFile(filepath.Join(fns, "streamer", "bootstrap"), code, 0o755); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, "--functions", fns)
	checkStreamedURL(t, d, "streamer", "?mode=urlstream&ms=1500", "gofn: after part 1")
}

// checkStreamedURL reads the RESPONSE_STREAM URL of fn with query: a 202
// of text/plain with X-Streamed and a cookie from the stream's prelude,
// "part 1;" while the function has not logged after (it has not yet
// written part 2), then "part 2".
func checkStreamedURL(t *testing.T, d *served, fn, query, after string) {
	t.Helper()
	cfg, err := d.client.GetFunctionUrlConfig(context.Background(), &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String(fn)})
	if err != nil {
		t.Fatalf("%v\n%s", err, d.output)
	}
	u, _ := url.Parse(aws.ToString(cfg.FunctionUrl))
	resp, err := http.Get("http://127.0.0.1:" + u.Port() + "/" + fn + "/" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 202 || resp.Header.Get("X-Streamed") != "yes" || resp.Header.Get("Content-Type") != "text/plain" ||
		!slices.Contains(resp.Header.Values("Set-Cookie"), "streamed=yes") {
		t.Fatalf("streamed URL: %d %v\n%s", resp.StatusCode, resp.Header, d.output)
	}
	first := make([]byte, len("part 1;"))
	if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "part 1;" {
		t.Fatalf("first part %q: %v", first, err)
	}
	if strings.Contains(d.output.String(), after) {
		t.Errorf("part 1 arrived only after the function went on:\n%s", d.output)
	}
	if rest, err := io.ReadAll(resp.Body); err != nil || string(rest) != "part 2" {
		t.Errorf("rest %q: %v", rest, err)
	}
}
