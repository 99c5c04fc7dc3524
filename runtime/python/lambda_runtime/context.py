"""The context object a handler receives, with the attributes AWS gives it."""

import json
import os
import sys
import time

from . import errors


class LambdaContext:
    """What a handler knows about its invocation and its function.

    Attribute types follow AWS's Python runtime: memory_limit_in_mb is the
    string from AWS_LAMBDA_FUNCTION_MEMORY_SIZE, identity is always set,
    client_context is None unless the caller sent one.
    """

    def __init__(self, invocation):
        env = os.environ
        self.aws_request_id = invocation.request_id
        self.invoked_function_arn = invocation.function_arn
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self._deadline_ms = invocation.deadline_ms

        identity = _parse(invocation.cognito_identity, "Cognito Identity") or {}
        self.identity = CognitoIdentity(
            identity.get("cognitoIdentityId"), identity.get("cognitoIdentityPoolId")
        )
        self.client_context = None
        client_context = _parse(invocation.client_context, "Client Context")
        if client_context is not None:
            self.client_context = ClientContext(client_context)

    def get_remaining_time_in_millis(self):
        """Milliseconds left until the invocation's deadline, never negative."""
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, msg):
        """Write msg to the function's log, as AWS's context.log does."""
        sys.stdout.write(str(msg))

    def __repr__(self):
        return "LambdaContext(aws_request_id=%r, function_name=%r)" % (
            self.aws_request_id,
            self.function_name,
        )


class CognitoIdentity:
    """The Amazon Cognito identity that invoked the function, if any."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, identity_id, pool_id):
        self.cognito_identity_id = identity_id
        self.cognito_identity_pool_id = pool_id


class ClientContext:
    """The client context the caller sent (X-Amz-Client-Context)."""

    __slots__ = ("client", "custom", "env")

    def __init__(self, data):
        client = data.get("client")
        self.client = Client(client) if isinstance(client, dict) else None
        self.custom = data.get("custom")
        self.env = data.get("env")


class Client:
    """The mobile client application in a client context."""

    __slots__ = (
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    )

    def __init__(self, data):
        for field in self.__slots__:
            setattr(self, field, data.get(field))


def _parse(header, name):
    if not header:
        return None
    try:
        value = json.loads(header)
    except ValueError as exc:
        raise errors.FaultError(
            errors.CONTEXT_UNMARSHAL_ERROR, "Unable to parse %s JSON: %s" % (name, exc)
        ) from exc
    if not isinstance(value, dict):
        raise errors.FaultError(
            errors.CONTEXT_UNMARSHAL_ERROR, "Unable to parse %s JSON: not an object" % name
        )
    return value
