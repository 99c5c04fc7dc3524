"""Calls a service on the host and another function, with Python's standard
library: lambdad gives every sandbox host.lambdad.internal and
AWS_ENDPOINT_URL_LAMBDA (any AWS SDK reads it too)."""
import json
import os
import urllib.request


def handler(event, context):
    result = {}
    # A service on the host: lambdad serve --host-ports 8000, and on the
    # host e.g. python3 -m http.server 8000 --bind 127.0.0.1.
    url = event.get("url") if isinstance(event, dict) else None
    if url:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                result["service"] = resp.read(200).decode(errors="replace")
        except OSError as e:
            result["service_error"] = str(e)
    # Another function, through lambdad's Invoke API.
    endpoint = os.environ["AWS_ENDPOINT_URL_LAMBDA"]
    req = urllib.request.Request(
        endpoint + "/2015-03-31/functions/hello/invocations",
        data=json.dumps({"name": context.function_name}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        result["hello"] = json.loads(resp.read())
    return result
