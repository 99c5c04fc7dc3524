package funcurl

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// event is the payload format 2.0 event of a function URL request, as
// Lambda's documentation and aws-lambda-go's LambdaFunctionURLRequest
// have it.
type event struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	RequestContext        requestContext    `json:"requestContext"`
	Body                  string            `json:"body,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
}

type requestContext struct {
	AccountID    string      `json:"accountId"`
	APIID        string      `json:"apiId"`
	Authorizer   *authorizer `json:"authorizer,omitempty"`
	DomainName   string      `json:"domainName"`
	DomainPrefix string      `json:"domainPrefix"`
	HTTP         httpContext `json:"http"`
	RequestID    string      `json:"requestId"`
	RouteKey     string      `json:"routeKey"`
	Stage        string      `json:"stage"`
	Time         string      `json:"time"`
	TimeEpoch    int64       `json:"timeEpoch"`
}

type httpContext struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// authorizer is requestContext.authorizer of an AWS_IAM URL. lambdad
// checks no IAM: it names the access key the request was signed with, if
// any, and the daemon's account; the identity's other fields are empty.
type authorizer struct {
	IAM iamIdentity `json:"iam"`
}

type iamIdentity struct {
	AccessKey       string  `json:"accessKey"`
	AccountID       string  `json:"accountId"`
	CallerID        string  `json:"callerId"`
	CognitoIdentity *string `json:"cognitoIdentity"`
	PrincipalOrgID  *string `json:"principalOrgId"`
	UserARN         string  `json:"userArn"`
	UserID          string  `json:"userId"`
}

// eventRequest is what buildEvent makes an event of.
type eventRequest struct {
	r             *http.Request
	id            string // the URL's id
	rawPath, path string // the path without the URL's prefix
	body          []byte
	requestID     string
	account       string
	iam           bool
	now           time.Time
}

// timeFormat is requestContext.time: 12/Mar/2020:19:03:58 +0000.
const timeFormat = "02/Jan/2006:15:04:05 -0700"

// buildEvent is the event of a request.
func buildEvent(er eventRequest) ([]byte, error) {
	r := er.r
	e := event{
		Version: "2.0", RouteKey: "$default", RawPath: er.rawPath, RawQueryString: r.URL.RawQuery,
		Headers: map[string]string{},
		RequestContext: requestContext{
			AccountID: er.account, APIID: er.id, DomainName: er.id + HostSuffix, DomainPrefix: er.id,
			HTTP:      httpContext{Method: r.Method, Path: er.path, Protocol: r.Proto, SourceIP: sourceIP(r), UserAgent: r.UserAgent()},
			RequestID: er.requestID, RouteKey: "$default", Stage: "$default",
			Time: er.now.UTC().Format(timeFormat), TimeEpoch: er.now.UnixMilli(),
		},
	}
	for k, vs := range r.Header {
		k = strings.ToLower(k)
		if k == "cookie" {
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						e.Cookies = append(e.Cookies, c)
					}
				}
			}
			continue
		}
		e.Headers[k] = strings.Join(vs, ",")
	}
	e.Headers["host"] = r.Host
	if _, ok := e.Headers["x-forwarded-for"]; !ok {
		e.Headers["x-forwarded-for"] = e.RequestContext.HTTP.SourceIP
	}
	e.Headers["x-forwarded-proto"] = "http"
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		e.Headers["x-forwarded-port"] = port
	} else {
		e.Headers["x-forwarded-port"] = "80"
	}
	if r.URL.RawQuery != "" {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			q = lenientQuery(r.URL.RawQuery)
		}
		e.QueryStringParameters = map[string]string{}
		for k, vs := range q {
			e.QueryStringParameters[k] = strings.Join(vs, ",")
		}
	}
	if len(er.body) > 0 {
		if isText(r.Header.Get("Content-Type")) {
			e.Body = string(er.body)
		} else {
			e.Body, e.IsBase64Encoded = base64.StdEncoding.EncodeToString(er.body), true
		}
	}
	if er.iam {
		e.RequestContext.Authorizer = &authorizer{IAM: iamIdentity{AccessKey: accessKey(r), AccountID: er.account}}
	}
	return jsonMarshal(e)
}

// lenientQuery parses what url.ParseQuery refuses (a stray '%' or ';'),
// keeping each pair it can.
func lenientQuery(raw string) url.Values {
	q := url.Values{}
	for _, pair := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		if k != "" {
			q.Add(k, v)
		}
	}
	return q
}

// isText tells whether a request body of content type ct reaches the
// function as text: text/*, application/json, application/xml and
// application/javascript (as Lambda sends them; measured against AWS, not
// documented). Anything else, a form and no content type included, is
// base64.
func isText(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript":
		return true
	}
	return strings.HasPrefix(mt, "text/")
}

// sourceIP is the address of the client's TCP connection.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// accessKey is the access key of a SigV4 Authorization header, or "".
func accessKey(r *http.Request) string {
	_, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if !ok {
		return ""
	}
	key, _, _ := strings.Cut(cred, "/")
	return key
}

// jsonMarshal is json.Marshal without HTML escaping (a body's <, > and &
// reach the function as they came).
func jsonMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// sortedKeys is m's keys in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
