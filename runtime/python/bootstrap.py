"""lambdad's Python runtime client: the process a python3.x function runs as.

The daemon starts it inside the sandbox as

    /usr/bin/python3 /var/lambdad/python/bootstrap.py

with the Lambda environment (AWS_LAMBDA_RUNTIME_API, _HANDLER,
LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_*, ...). It imports the handler named
by _HANDLER from LAMBDA_TASK_ROOT, then serves invocations from the Runtime
API until the sandbox is killed. An init failure is posted to
/runtime/init/error and ends the process with status 1; so does any answer of
the Runtime API other than the expected one, after which the daemon resets
the sandbox.

Standard library only; Python 3.8 or later.
"""

import os
import sys

from lambda_runtime import errors, handler, logs, loop
from lambda_runtime.client import RuntimeAPIError, RuntimeClient

_RUNTIME_DIR = sys.path[0]


def _set_path(task_root):
    """Put the function's code first on sys.path, then the layers, as AWS does.

    The runtime's own directory is dropped, so that the function cannot
    import the runtime's modules by accident.
    """
    version = "python%d.%d" % sys.version_info[:2]
    front = [task_root, "/opt/python/lib/%s/site-packages" % version, "/opt/python"]
    rest = [p for p in sys.path if p not in front and p != _RUNTIME_DIR]
    sys.path[:] = front + rest


def main():
    _set_path(os.environ.get("LAMBDA_TASK_ROOT", "/var/task"))
    request_ids = logs.setup()
    client = RuntimeClient(os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"))
    client.connect()
    try:
        function, takes_context = handler.load(os.environ.get("_HANDLER", ""))
    except Exception as exc:
        doc = errors.document(exc)
        errors.log(doc)
        client.post_init_error(doc)
        return 1
    loop.run(client, function, takes_context, request_ids)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeAPIError as exc:
        logs.flush()
        sys.stderr.write("lambdad python runtime: %s\n" % exc)
        sys.exit(1)
