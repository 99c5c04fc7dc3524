"""A client of the Lambda Runtime API over one keep-alive HTTP/1.1 connection."""

import http.client
import json
import types

_PREFIX = "/2018-06-01/runtime"


def _snapshot(base, **attrs):
    """Return a subclass of base that holds base's methods as they are now.

    Tracing libraries (aws-xray-sdk, ddtrace, sentry) patch the methods of
    http.client's classes when the function imports them; the runtime's own
    requests must not be traced, delayed or broken by that, as they are not
    on AWS, whose runtime speaks HTTP from C++.
    """
    for name, value in vars(base).items():
        if isinstance(value, types.FunctionType):
            attrs[name] = value
    attrs["__module__"] = __name__
    return type(base.__name__, (base,), attrs)


_Connection = _snapshot(
    http.client.HTTPConnection, response_class=_snapshot(http.client.HTTPResponse)
)


class RuntimeAPIError(Exception):
    """The Runtime API failed or answered unexpectedly; the runtime must exit."""


class Invocation:
    """One event handed out by GET /runtime/invocation/next."""

    __slots__ = (
        "request_id",
        "deadline_ms",
        "function_arn",
        "trace_id",
        "client_context",
        "cognito_identity",
        "body",
    )

    def __init__(self, headers, body):
        self.request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        try:
            self.deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms", ""))
        except ValueError:
            self.deadline_ms = 0
        self.function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.trace_id = headers.get("Lambda-Runtime-Trace-Id")
        self.client_context = headers.get("Lambda-Runtime-Client-Context")
        self.cognito_identity = headers.get("Lambda-Runtime-Cognito-Identity")
        self.body = body


class RuntimeClient:
    """Talks to the Runtime API at address (host:port, no scheme).

    Every request goes over the same connection, which http.client keeps
    open between requests; next waits without a timeout, as runtimes must.
    """

    def __init__(self, address):
        self._conn = _Connection(address, timeout=None)

    def connect(self):
        """Open the connection now, before the function's code can patch socket."""
        try:
            self._conn.connect()
        except OSError as exc:
            raise RuntimeAPIError("connect: %s" % exc) from exc

    def next(self):
        """Wait for the next event and return it as an Invocation."""
        status, headers, body = self._do("GET", _PREFIX + "/invocation/next")
        if status != 200:
            raise RuntimeAPIError("GET next: status %d: %r" % (status, body[:200]))
        return Invocation(headers, body)

    def post_response(self, request_id, body, content_type):
        path = "%s/invocation/%s/response" % (_PREFIX, request_id)
        self._post(path, body, {"Content-Type": content_type})

    def post_error(self, request_id, doc):
        self._post_doc("%s/invocation/%s/error" % (_PREFIX, request_id), doc)

    def post_init_error(self, doc):
        self._post_doc(_PREFIX + "/init/error", doc)

    def _post_doc(self, path, doc):
        error_type = doc["errorType"].encode("ascii", "replace").decode("ascii")
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Function-Error-Type": error_type,
        }
        self._post(path, json.dumps(doc).encode("utf-8"), headers)

    def _post(self, path, body, headers):
        status, _, answer = self._do("POST", path, body, headers)
        if status != 202:
            raise RuntimeAPIError("POST %s: status %d: %r" % (path, status, answer[:200]))

    def _do(self, method, path, body=None, headers=None):
        try:
            self._conn.request(method, path, body, headers or {})
            response = self._conn.getresponse()
            return response.status, response.headers, response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise RuntimeAPIError("%s %s: %s" % (method, path, exc)) from exc
