"""A layer's module: Lambda puts /opt/python on sys.path."""


def greet(name):
    return f"Hello from a layer, {name}!"
