// Command netfn is a test function of the network: the event's "op" says
// what it tries from inside its sandbox, and the reply says what happened.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
)

type event struct {
	Op       string `json:"op"`       // get, dial, lookup, invoke, listen, env, flood
	URL      string `json:"url"`      // get
	Addr     string `json:"addr"`     // dial; flood (default: the Runtime API)
	Name     string `json:"name"`     // lookup; invoke: the function
	Payload  string `json:"payload"`  // invoke
	Variable string `json:"variable"` // env
	Count    int    `json:"count"`    // flood
}

type reply struct {
	OK     bool   `json:"ok"`
	Result string `json:"result"`
	Error  string `json:"error,omitempty"`
}

// listening is what op listen opened, kept for the sandbox's life.
var listening net.Listener

func handle(ctx context.Context, e event) (reply, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var result string
	var err error
	switch e.Op {
	case "get":
		result, err = get(ctx, e.URL)
	case "dial":
		var c net.Conn
		if c, err = (&net.Dialer{}).DialContext(ctx, "tcp", e.Addr); err == nil {
			c.SetDeadline(time.Now().Add(2 * time.Second))
			b, _ := io.ReadAll(c)
			result = string(b)
			c.Close()
		}
	case "lookup":
		var addrs []string
		addrs, err = net.DefaultResolver.LookupHost(ctx, e.Name)
		result = strings.Join(addrs, " ")
	case "invoke":
		result, err = invoke(ctx, e.Name, e.Payload)
	case "listen":
		result, err = listen()
	case "env":
		result = os.Getenv(e.Variable)
	case "flood":
		result, err = flood(e.Count, e.Addr)
	default:
		err = fmt.Errorf("unknown op %q", e.Op)
	}
	if err != nil {
		return reply{Error: err.Error()}, nil
	}
	return reply{OK: true, Result: result}, nil
}

func get(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// invoke calls another function with the AWS SDK as function code does: its
// endpoint and credentials come from the environment lambdad gives.
func invoke(ctx context.Context, name, payload string) (string, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return "", err
	}
	out, err := awslambda.NewFromConfig(cfg).Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(payload)})
	if err != nil {
		return "", err
	}
	return string(out.Payload), nil
}

// listen answers connections on a port of the sandbox's address with
// "sandbox", and returns that address.
func listen() (string, error) {
	if listening == nil {
		ln, err := net.Listen("tcp", ":0")
		if err != nil {
			return "", err
		}
		listening = ln
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				io.WriteString(c, "sandbox")
				c.Close()
			}
		}()
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", err
	}
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && !ip.IP.IsLoopback() && ip.IP.To4() != nil {
			return net.JoinHostPort(ip.IP.String(), fmt.Sprint(listening.Addr().(*net.TCPAddr).Port)), nil
		}
	}
	return "", fmt.Errorf("no address but loopback: %v", addrs)
}

func main() {
	if n, err := strconv.Atoi(os.Getenv(floodChildEnv)); err == nil {
		floodChild(n)
	}
	lambda.Start(handle)
}
