"""Finding the function's handler from _HANDLER, as AWS's Python runtime does."""

import importlib
import sys
import types

from . import errors

_CO_VARARGS = 0x04  # inspect.CO_VARARGS, without importing inspect


def load(name):
    """Import the handler that name (module.function) names.

    The module part may use "/" or "." between packages (pkg/mod.fn,
    pkg.mod.fn). Returns the handler and whether it takes the context as
    its second argument. Raises errors.FaultError for the failures AWS
    reports with a Runtime.* type; an exception the module raises while it
    is imported propagates as it is.
    """
    modname, dot, fname = name.rpartition(".")
    if not dot:
        raise errors.FaultError(
            errors.MALFORMED_HANDLER_NAME,
            "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % name,
        )
    if not modname or not fname:
        raise errors.FaultError(
            errors.MALFORMED_HANDLER_NAME,
            "Bad handler '%s': empty module or function name" % name,
        )
    dotted = modname.replace("/", ".")
    if dotted.split(".")[0] in sys.builtin_module_names:
        raise errors.FaultError(
            errors.BUILT_IN_MODULE_CONFLICT,
            "Cannot use built-in module %s as a handler module" % modname,
        )
    try:
        module = importlib.import_module(dotted)
    except ImportError as exc:
        raise errors.FaultError(
            errors.IMPORT_MODULE_ERROR,
            "Unable to import module '%s': %s" % (modname, exc),
        ) from exc
    except SyntaxError as exc:
        raise errors.FaultError(
            errors.USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '%s': %s" % (modname, exc),
            ['  File "%s" Line %s\n    %s' % (exc.filename, exc.lineno, exc.text)],
        ) from exc
    try:
        function = getattr(module, fname)
    except AttributeError:
        raise errors.FaultError(
            errors.HANDLER_NOT_FOUND,
            "Handler '%s' missing on module '%s'" % (fname, modname),
        ) from None
    return function, _takes_context(function)


def _takes_context(function):
    """Report whether function is called as f(event, context) or f(event).

    Only a handler that accepts exactly one positional argument gets the
    event alone; anything else is called with two, as AWS calls it.
    """
    if isinstance(function, types.FunctionType) and not hasattr(function, "__wrapped__"):
        code = function.__code__
        return code.co_argcount != 1 or bool(code.co_flags & _CO_VARARGS)
    import inspect  # only for callables that are not plain functions

    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return True
    for args in ((None, None), (None,)):
        try:
            signature.bind(*args)
            return len(args) == 2
        except TypeError:
            pass
    return True
