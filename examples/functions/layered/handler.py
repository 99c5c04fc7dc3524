import greeting  # from the layer, at /opt/python


def handler(event, context):
    name = event.get("name", "World") if isinstance(event, dict) else "World"
    return {"message": greeting.greet(name)}
