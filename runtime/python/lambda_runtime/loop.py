"""The invoke loop: take an event, call the handler, post what it returned."""

import json
import os
import sys

from . import errors, logs
from .context import LambdaContext


def run(client, handler, takes_context, request_ids):
    """Serve invocations until the Runtime API fails (client.RuntimeAPIError)."""
    while True:
        invocation = client.next()
        request_ids.request_id = invocation.request_id
        if invocation.trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = invocation.trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        try:
            body, content_type = _invoke(handler, takes_context, invocation)
        except Exception as exc:
            doc = errors.document(exc, invocation.request_id)
            logs.flush()
            errors.log(doc)
            client.post_error(invocation.request_id, doc)
        else:
            logs.flush()
            client.post_response(invocation.request_id, body, content_type)


def _invoke(handler, takes_context, invocation):
    context = LambdaContext(invocation)
    try:
        event = json.loads(invocation.body)
    except ValueError as exc:
        raise errors.FaultError(
            errors.UNMARSHAL_ERROR, "Unable to unmarshal input: %s" % exc
        ) from exc
    result = handler(event, context) if takes_context else handler(event)
    return _marshal(result)


def _marshal(result):
    """Encode result as the response body: JSON, or bytes as they are."""
    if isinstance(result, (bytes, bytearray)):
        return bytes(result), "application/unknown"
    try:
        return json.dumps(result, default=_default).encode("utf-8"), "application/json"
    except Exception as exc:
        raise errors.FaultError(
            errors.MARSHAL_ERROR, "Unable to marshal response: %s" % exc
        ) from exc


def _default(value):
    # AWS's runtime encodes Decimal (which boto3's DynamoDB types use) as a
    # number. A Decimal can only exist if the decimal module was imported.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(value, decimal.Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return float(value)
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)
