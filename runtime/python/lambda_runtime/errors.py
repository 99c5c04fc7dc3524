"""Error documents the runtime posts, and the runtime's own error types.

A document is {"errorMessage", "errorType", "requestId", "stackTrace"}, the
shape AWS's Python runtime posts. A function's exception is reported with its
class name as errorType; a failure of the runtime contract (import, handler
name, marshalling) with one of the Runtime.* types below.
"""

import importlib
import json
import os
import sys
import time
import traceback

MARSHAL_ERROR = "Runtime.MarshalError"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

# Frames from these directories lead every traceback into the function's
# code; they are cut from the stack traces the function's owner sees.
_RUNTIME_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_IMPORTLIB_DIR = os.path.dirname(importlib.__file__) + os.sep


class FaultError(Exception):
    """A failure of the runtime contract, reported as error_type."""

    def __init__(self, error_type, message, stack_trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []


def document(exc, request_id=""):
    """Return the error document for exc, raised while serving request_id."""
    if isinstance(exc, FaultError):
        return _make(exc.message, exc.error_type, exc.stack_trace, request_id)
    frames = traceback.extract_tb(exc.__traceback__)
    for i, frame in enumerate(frames):
        if not _is_runtime_frame(frame.filename):
            frames = frames[i:]
            break
    return _make(str(exc), type(exc).__name__, traceback.format_list(frames), request_id)


def _make(message, error_type, stack_trace, request_id):
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack_trace,
    }


def _is_runtime_frame(filename):
    if filename.startswith("<frozen importlib"):
        return True
    path = os.path.abspath(filename)
    return path.startswith(_RUNTIME_DIR) or path.startswith(_IMPORTLIB_DIR)


def log(doc):
    """Write doc to stderr the way AWS logs an unhandled error."""
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON":
        record = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "level": "ERROR",
            "message": doc["errorMessage"],
            "errorType": doc["errorType"],
            "errorMessage": doc["errorMessage"],
            "stackTrace": doc["stackTrace"],
        }
        if doc.get("requestId"):
            record["requestId"] = doc["requestId"]
        _write(json.dumps(record, default=str) + "\n")
        return
    lines = ["[ERROR] %s: %s" % (doc["errorType"], doc["errorMessage"])]
    if doc["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(entry.rstrip("\n") for entry in doc["stackTrace"])
    _write("\n".join(lines) + "\n")


def _write(text):
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except Exception:
        pass
