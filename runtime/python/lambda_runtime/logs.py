"""Where the function's output goes.

print() goes to stdout, line-buffered; the root logging logger writes to
stderr in AWS's text format, [LEVEL]<tab>timestamp<tab>request id<tab>message,
or, when the function's LoggingConfig is JSON (AWS_LAMBDA_LOG_FORMAT=JSON),
one JSON object a record, as AWS's Python runtime writes them: timestamp,
level, message, logger, requestId, the exception's errorType, errorMessage
and stackTrace, and the record's extra fields. In JSON the root logger's
level is AWS_LAMBDA_LOG_LEVEL (TRACE, DEBUG, INFO, WARN, ERROR, FATAL).
Both streams are flushed before each result is posted, so everything an
invocation wrote precedes the daemon's END line.
"""

import json
import logging
import os
import sys
import time
import traceback

_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"

# AWS_LAMBDA_LOG_LEVEL's names as the logging module's levels; TRACE is
# below DEBUG, as AWS's runtime has it.
_LEVELS = {"TRACE": 5, "DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING,
           "ERROR": logging.ERROR, "FATAL": logging.CRITICAL}

# The logging module's level names as Lambda's JSON records name them.
_JSON_LEVELS = {"WARNING": "WARN", "CRITICAL": "FATAL"}

# A LogRecord's own attributes: anything else on a record is an extra
# field the function passed (logger.info("x", extra={...})), kept in JSON.
_RECORD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "aws_request_id"}


class RequestIdFilter(logging.Filter):
    """Stamps each log record with the id of the invocation in progress."""

    def __init__(self):
        super().__init__()
        self.request_id = ""

    def filter(self, record):
        record.aws_request_id = self.request_id
        return True


class JsonFormatter(logging.Formatter):
    """Formats a record as Lambda's JSON application log record."""

    def format(self, record):
        doc = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + ".%03dZ" % record.msecs,
            "level": _JSON_LEVELS.get(record.levelname, record.levelname),
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", "") or None,
        }
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            doc["errorType"] = type(exc).__name__
            doc["errorMessage"] = str(exc)
            doc["stackTrace"] = traceback.format_tb(record.exc_info[2])
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and key not in doc:
                doc[key] = value
        return json.dumps({k: v for k, v in doc.items() if v is not None}, default=str, ensure_ascii=False)


def json_format():
    """Whether the function's log is JSON (its LoggingConfig's LogFormat)."""
    return os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"


def setup():
    """Configure stdout, stderr and the root logger; return the request id filter."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True)
    request_ids = RequestIdFilter()
    handler = logging.StreamHandler(sys.stderr)
    root = logging.getLogger()
    if json_format():
        logging.addLevelName(5, "TRACE")
        handler.setFormatter(JsonFormatter())
        level = _LEVELS.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper())
        if level is not None:
            root.setLevel(level)
    else:
        formatter = logging.Formatter(_FORMAT, "%Y-%m-%dT%H:%M:%S")
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    handler.addFilter(request_ids)
    root.addHandler(handler)
    return request_ids


def flush():
    """Flush whatever stdout and stderr are now; the function may have replaced them."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
