package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"

	"github.com/lambdad/lambdad/sandbox/sandboxtest"
)

const (
	e2eKeyID  = "AKIDLAMBDADE2E"
	e2eSecret = "e2e/Secret+Key"
)

// authDaemon is lambdad serve --auth-keys on TCP and a unix socket, with
// the network test functions (net invokes net2 with the AWS SDK).
func authDaemon(t *testing.T) (*served, string) {
	t.Helper()
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	if err := os.WriteFile(keys, []byte("# lambdad e2e\n"+e2eKeyID+" "+e2eSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	sock := filepath.Join(dir, "api.sock")
	d := startDaemon(t, "--functions", netFunctions(t), "--auth-keys", keys, "--listen", addr+",unix:"+sock)
	return d, sock
}

func signedClient(endpoint, id, secret string) *lambda.Client {
	return lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), RetryMaxAttempts: 1})
}

// TestServeAuthKeys: with --auth-keys, aws-sdk-go-v2 invokes with a key of
// the file and is refused with any other; a function still invokes
// another (sandboxes sign with a key of their own); lambdad invoke signs
// from the environment, over the unix socket too; the socket is gone
// after SIGTERM.
func TestServeAuthKeys(t *testing.T) {
	d, sock := authDaemon(t)
	event := `{"op":"env","variable":"AWS_LAMBDA_FUNCTION_NAME"}`

	out, err := signedClient(d.endpoint, e2eKeyID, e2eSecret).Invoke(context.Background(),
		&lambda.InvokeInput{FunctionName: aws.String("net"), Payload: []byte(event)})
	if err != nil || !strings.Contains(string(out.Payload), `"result":"net"`) {
		t.Fatalf("signed with the file's key: %v %v\n%s", out, err, d.output)
	}
	for name, client := range map[string]*lambda.Client{
		"UnrecognizedClientException": d.client, // "x", "x"
		"InvalidSignatureException":   signedClient(d.endpoint, e2eKeyID, "wrong"),
	} {
		_, err := client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("net"), Payload: []byte(event)})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != name {
			t.Errorf("got %v, want %s", err, name)
		}
	}

	nested := `{"op":"invoke","name":"net2","payload":"{\"op\":\"env\",\"variable\":\"AWS_LAMBDA_FUNCTION_NAME\"}"}`
	out, err = signedClient(d.endpoint, e2eKeyID, e2eSecret).Invoke(context.Background(),
		&lambda.InvokeInput{FunctionName: aws.String("net"), Payload: []byte(nested)})
	if err != nil || !strings.Contains(string(out.Payload), `\"result\":\"net2\"`) {
		t.Errorf("net invoking net2 under --auth-keys: %v %s", err, out.Payload)
	}

	for _, endpoint := range []string{d.endpoint, "unix:" + sock} {
		stdout, stderr, err := runInvoke(endpoint, []string{"AWS_ACCESS_KEY_ID=" + e2eKeyID, "AWS_SECRET_ACCESS_KEY=" + e2eSecret}, "net", event)
		if err != nil || !strings.Contains(stdout, `"result":"net"`) {
			t.Errorf("lambdad invoke --endpoint %s, signed: %v %s %s", endpoint, err, stdout, stderr)
		}
		_, stderr, err = runInvoke(endpoint, nil, "net", event)
		if code := exitCode(err); code != 2 || !strings.Contains(stderr, "MissingAuthenticationTokenException (HTTP 403)") {
			t.Errorf("lambdad invoke --endpoint %s, unsigned: exit %d, %s", endpoint, code, stderr)
		}
	}

	d.stop()
	if _, err := os.Lstat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the unix socket is left after SIGTERM: %v", err)
	}
}

// runInvoke runs lambdad invoke with only env's AWS variables.
func runInvoke(endpoint string, env []string, name, payload string) (string, string, error) {
	cmd := exec.Command(lambdad, "invoke", "--endpoint", endpoint, "--payload", payload, name)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func exitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestServeAuthKeysAWSCLI: the aws CLI v2 invokes with a key of the file
// in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and gets AWS's errors
// without. Skipped, saying so, where the CLI is not installed (CI);
// TestServeAuthKeys covers the same with aws-sdk-go-v2.
func TestServeAuthKeysAWSCLI(t *testing.T) {
	cli := awsCLIv2()
	if cli == "" {
		t.Skip("SKIPPED: the aws CLI v2 is not installed (TestServeAuthKeys checks the same with aws-sdk-go-v2)")
	}
	d, _ := authDaemon(t)
	home := t.TempDir()
	aws := func(id, secret string) (string, string, error) {
		outFile := filepath.Join(home, "out.json")
		os.Remove(outFile)
		cmd := exec.Command(cli, "lambda", "invoke", "--endpoint-url", d.endpoint, "--function-name", "net",
			"--cli-binary-format", "raw-in-base64-out", "--payload", `{"op":"env","variable":"AWS_LAMBDA_FUNCTION_NAME"}`, outFile)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "AWS_ACCESS_KEY_ID=" + id, "AWS_SECRET_ACCESS_KEY=" + secret,
			"AWS_DEFAULT_REGION=eu-west-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
			"AWS_MAX_ATTEMPTS=1", "AWS_EC2_METADATA_DISABLED=true"}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		out, _ := os.ReadFile(outFile)
		return string(out), stderr.String(), err
	}
	if out, stderr, err := aws(e2eKeyID, e2eSecret); err != nil || !strings.Contains(out, `"result":"net"`) {
		t.Errorf("aws lambda invoke with the file's key: %v %s %s\n%s", err, out, stderr, d.output)
	}
	for _, tc := range []struct{ id, secret, code string }{
		{e2eKeyID, "wrong", "InvalidSignatureException"},
		{"AKIDNOTINFILE", e2eSecret, "UnrecognizedClientException"},
	} {
		_, stderr, err := aws(tc.id, tc.secret)
		if err == nil || !strings.Contains(stderr, fmt.Sprintf("(%s)", tc.code)) {
			t.Errorf("aws lambda invoke as %s: %v, stderr %q; want %s", tc.id, err, stderr, tc.code)
		}
	}
}

// awsCLIv2 is the path of an aws CLI v2 ("": none): /usr/bin/aws, or the
// first aws on PATH (which may be a v1, from pip).
func awsCLIv2() string {
	for _, cli := range []string{"/usr/bin/aws", "aws"} {
		if path, err := exec.LookPath(cli); err == nil {
			if out, err := exec.Command(path, "--version").Output(); err == nil && strings.HasPrefix(string(out), "aws-cli/2.") {
				return path
			}
		}
	}
	return ""
}

// TestServeAuthKeysRefusesOpenFile: serve refuses a key file others may
// read, before it changes anything.
func TestServeAuthKeysRefusesOpenFile(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keys, []byte(e2eKeyID+" "+e2eSecret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := sandboxtest.TempDir(t)
	cmd := exec.Command(lambdad, "serve", "--listen", "127.0.0.1:0", "--url-listen", "off", "--auth-keys", keys, "--functions", dir,
		"--state-dir", filepath.Join(dir, "state"), "--run-dir", filepath.Join(dir, "run"))
	out, err := cmd.CombinedOutput()
	if exitCode(err) != 1 || !strings.Contains(string(out), "key file is accessible to other users") {
		t.Errorf("serve with a world-readable key file: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "run")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve made its run directory before refusing the key file: %v", err)
	}
}
