"""Where the function's output goes.

print() goes to stdout, line-buffered; the root logging logger writes to
stderr in AWS's text format, [LEVEL]<tab>timestamp<tab>request id<tab>message.
Both are flushed before each result is posted, so everything an invocation
wrote precedes the daemon's END line.
"""

import logging
import sys
import time

_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"


class RequestIdFilter(logging.Filter):
    """Stamps each log record with the id of the invocation in progress."""

    def __init__(self):
        super().__init__()
        self.request_id = ""

    def filter(self, record):
        record.aws_request_id = self.request_id
        return True


def setup():
    """Configure stdout, stderr and the root logger; return the request id filter."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True)
    formatter = logging.Formatter(_FORMAT, "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    request_ids = RequestIdFilter()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(request_ids)
    logging.getLogger().addHandler(handler)
    return request_ids


def flush():
    """Flush whatever stdout and stderr are now; the function may have replaced them."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
