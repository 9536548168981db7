"""Whether the package six can be imported (the tests add it to requirements.txt)."""
import importlib.util


def handler(event, context):
    return {"statusCode": 200, "body": "yes" if importlib.util.find_spec("six") else "no"}
