import json


def handler(event, context):
    name = event.get("name", "World") if isinstance(event, dict) else "World"
    print(f"greeting {name} from {context.function_name} ({context.memory_limit_in_mb} MB)")
    return {"message": f"Hello, {name}!", "request_id": context.aws_request_id}
