package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
)

// ricEnv names aws-lambda-ric's install (scripts/deps.sh builds it there).
const ricEnv = "LAMBDAD_RIC_DIR"

// hostNode is the host's node, as the daemon sees it; the test is skipped
// without one (the cgroup v2 lane's guest).
func hostNode(t *testing.T) function.HostInterpreter {
	t.Helper()
	h := function.ProbeHost(context.Background())["nodejs"]
	if h.Err != nil {
		t.Skipf("SKIPPED: nodejsN.x functions run the host's /usr/bin/node: %v", h.Err)
	}
	return h
}

// nodeFunctions writes functions (name/file → content) into a functions
// directory of the test's own.
func nodeFunctions(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "functions")
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if filepath.Base(name) == "wrapper" {
			mode = 0o755
		}
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Dir(dir), 0o755)
	return dir
}

// invokeLog invokes name and returns the output and the tail of its log.
func invokeLog(t *testing.T, d *served, name, payload string) (out []byte, fnErr string, log string) {
	t.Helper()
	o := mustInvoke(t, d, name, payload, tail)
	l, _ := base64.StdEncoding.DecodeString(aws.ToString(o.LogResult))
	return o.Payload, aws.ToString(o.FunctionError), string(l)
}

// Node.js functions in real sandboxes: an async ES module handler sees
// Lambda's context and logs in Lambda's format, a callback handler
// answers, errors have Lambda's shape, and the AWS SDK for JavaScript is
// there to require and import, and calls lambdad's own Invoke API.
func TestServeNode(t *testing.T) {
	h := hostNode(t)
	if sandboxtest.NodeSDKDir() == "" {
		t.Fatal("the AWS SDK for JavaScript is not in bin/runtime/nodejs-sdk: run make build")
	}
	dir := nodeFunctions(t, map[string]string{
		"nasync/index.mjs": `
import { LambdaClient } from "@aws-sdk/client-lambda";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
export const handler = async (event, context) => {
  console.log("hello from %s", "nasync");
  return {
    requestId: context.awsRequestId, functionName: context.functionName, memory: context.memoryLimitInMB,
    arn: context.invokedFunctionArn, remaining: context.getRemainingTimeInMillis(),
    trace: process.env._X_AMZN_TRACE_ID ?? null, env: process.env.AWS_EXECUTION_ENV,
    imported: typeof LambdaClient, required: typeof require("@aws-sdk/client-s3").S3Client,
    node: process.version,
  };
};
`,
		"ncb/index.js":     "exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { cb: event.n }), 10); };\n",
		"nerr/index.js":    "exports.handler = async () => { throw new TypeError('bad input'); };\n",
		"nimport/index.js": "require('no-such-package');\nexports.handler = async () => 1;\n",
		// The SDK calls lambdad's Invoke API (AWS_ENDPOINT_URL_LAMBDA).
		"nsdk/index.mjs": `
import { LambdaClient, InvokeCommand } from "@aws-sdk/client-lambda";
const client = new LambdaClient({ credentials: { accessKeyId: "x", secretAccessKey: "x" } });
export const handler = async () => {
  const out = await client.send(new InvokeCommand({ FunctionName: "ncb", Payload: JSON.stringify({ n: 7 }) }));
  return JSON.parse(Buffer.from(out.Payload).toString());
};
`,
	})
	d := startDaemon(t, "--functions", dir)

	out, fnErr, log := invokeLog(t, d, "nasync", `{}`)
	var r struct {
		RequestID, FunctionName, Memory, ARN, Env, Imported, Required, Node string
		Remaining                                                           int64
	}
	if fnErr != "" || json.Unmarshal(out, &r) != nil || r.FunctionName != "nasync" || r.Memory != "128" ||
		!strings.HasSuffix(r.ARN, ":function:nasync") || r.Remaining <= 0 || r.Remaining > 3000 ||
		r.Env != "AWS_Lambda_"+h.Runtime || r.Imported != "function" || r.Required != "function" || r.Node != h.Version {
		t.Errorf("nasync: %s %s", fnErr, out)
	}
	start := regexp.MustCompile(`START RequestId: (\S+) Version: \$LATEST\tRuntime: host node ` + regexp.QuoteMeta(h.Version) + "\n")
	logLine := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t` + regexp.QuoteMeta(r.RequestID) + `\tINFO\thello from nasync\n`)
	if m := start.FindStringSubmatch(log); m == nil || m[1] != r.RequestID || !logLine.MatchString(log) {
		t.Errorf("log of nasync lacks %s or %s:\n%s", start, logLine, log)
	}

	if out, fnErr, _ := invokeLog(t, d, "ncb", `{"n": 5}`); fnErr != "" || string(out) != `{"cb":5}` {
		t.Errorf("ncb: %s %s", fnErr, out)
	}
	var e struct {
		ErrorType, ErrorMessage string
		Trace                   []string
	}
	out, fnErr, log = invokeLog(t, d, "nerr", `{}`)
	if fnErr != "Unhandled" || json.Unmarshal(out, &e) != nil || e.ErrorType != "TypeError" || e.ErrorMessage != "bad input" ||
		len(e.Trace) < 2 || e.Trace[0] != "TypeError: bad input" || !strings.Contains(e.Trace[1], "/var/task/index.js:1") ||
		!strings.Contains(log, "\tERROR\tInvoke Error \t{\"errorType\":\"TypeError\"") {
		t.Errorf("nerr: %s %s\n%s", fnErr, out, log)
	}
	out, fnErr, _ = invokeLog(t, d, "nimport", `{}`)
	if fnErr != "Unhandled" || json.Unmarshal(out, &e) != nil || e.ErrorType != "Runtime.ImportModuleError" ||
		!strings.HasPrefix(e.ErrorMessage, "Error: Cannot find module 'no-such-package'") {
		t.Errorf("nimport: %s %s", fnErr, out)
	}
	if out, fnErr, _ := invokeLog(t, d, "nsdk", `{}`); fnErr != "" || string(out) != `{"cb":7}` {
		t.Errorf("nsdk: %s %s", fnErr, out)
	}
}

// A function declaring another Node.js major than the host's is refused,
// saying both; with --allow-runtime-mismatch it runs, and every START line
// says what really runs it.
func TestServeNodeRuntimeMismatch(t *testing.T) {
	h := hostNode(t)
	major, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(h.Runtime, "nodejs"), ".x"))
	declared := fmt.Sprintf("nodejs%d.x", major+2)
	dir := nodeFunctions(t, map[string]string{
		"other/function.json": `{"Runtime": "` + declared + `"}`,
		"other/index.js":      "exports.handler = async () => process.version;\n",
	})
	d := startDaemon(t, "--functions", dir)
	if _, err := d.invoke("other", `{}`); err == nil {
		t.Errorf("invoke of a %s function on %s succeeded", declared, h)
	}
	want := fmt.Sprintf(`%q declared, but the host's /usr/bin/node is %s (%s)`, declared, h.Version, h.Runtime)
	if !strings.Contains(strings.ReplaceAll(d.output.String(), `\"`, `"`), want) {
		t.Errorf("daemon output lacks %s:\n%s", want, d.output)
	}
	d.stop()

	d = startDaemon(t, "--functions", dir, "--allow-runtime-mismatch")
	out, fnErr, log := invokeLog(t, d, "other", `{}`)
	if fnErr != "" || string(out) != strconv.Quote(h.Version) {
		t.Errorf("other: %s %s", fnErr, out)
	}
	if wantStart := "\tRuntime: host node " + h.Version + " (declared " + declared + ")\n"; !strings.Contains(log, wantStart) {
		t.Errorf("START line lacks %q:\n%s", wantStart, log)
	}
	if !strings.Contains(d.output.String(), "function runs on the host's interpreter") {
		t.Errorf("daemon output has no warning:\n%s", d.output)
	}
}

// AWS's own Node.js runtime interface client, aws-lambda-ric from npm,
// runs unmodified against lambdad's Runtime API, started by a wrapper
// script (AWS_LAMBDA_EXEC_WRAPPER) instead of lambdad's client.
func TestServeNodeAWSLambdaRIC(t *testing.T) {
	h := hostNode(t)
	ric := os.Getenv(ricEnv)
	if ric == "" {
		ric = "/var/cache/lambdad/aws-lambda-ric-3.3.0"
	}
	if _, err := os.Stat(filepath.Join(ric, "node_modules", "aws-lambda-ric", "bin", "index.mjs")); err != nil {
		sandboxtest.RequireRoot(t) // under LAMBDAD_REQUIRE_ROOT=1 the skip below fails
		t.Skipf("SKIPPED: aws-lambda-ric is not installed in %s (scripts/deps.sh builds it): %v", ric, err)
	}
	dir := nodeFunctions(t, map[string]string{
		"ric/function.json": `{"Runtime": "` + h.Runtime + `", "Environment": {"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/var/task/wrapper"}}}`,
		"ric/wrapper":       "#!/bin/sh\nexec /usr/bin/node /var/task/node_modules/aws-lambda-ric/bin/index.mjs \"$_HANDLER\"\n",
		"ric/index.mjs": `export const handler = async (event, context) => ({ ric: typeof globalThis.awslambda, id: context.awsRequestId, n: event.n });
`,
	})
	if err := sandboxtest.CopyTree(filepath.Join(ric, "node_modules"), filepath.Join(dir, "ric", "node_modules")); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, "--functions", dir)
	out, fnErr, log := invokeLog(t, d, "ric", `{"n": 3}`)
	var r struct {
		Ric, ID string
		N       int
	}
	// globalThis.awslambda is aws-lambda-ric's, never lambdad's client's.
	if fnErr != "" || json.Unmarshal(out, &r) != nil || r.Ric != "object" || r.N != 3 || r.ID == "" {
		t.Errorf("ric: %s %s\n%s", fnErr, out, log)
	}
}

// boto3 imports in a python3.N function, as on Lambda (scripts/deps.sh
// installs Debian's python3-boto3 on the host tree).
func TestServePythonBoto3(t *testing.T) {
	requirePython(t)
	dir := nodeFunctions(t, map[string]string{
		"pyboto/handler.py": "import boto3\ndef handler(event, context):\n    return boto3.client('lambda', region_name='us-east-1').meta.service_model.service_name\n",
	})
	d := startDaemon(t, "--functions", dir)
	if out, fnErr, log := invokeLog(t, d, "pyboto", `{}`); fnErr != "" || string(out) != `"lambda"` {
		t.Errorf("pyboto: %s %s\n%s", fnErr, out, log)
	}
}
