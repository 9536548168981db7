"""A base64 body of ?bytes=N zero bytes: its JSON is about 4/3 of N."""
import base64


def handler(event, context):
    size = int(event["queryStringParameters"].get("bytes", "10"))
    return {"statusCode": 200, "headers": {"Content-Type": "application/octet-stream"},
            "body": base64.b64encode(bytes(size)).decode(), "isBase64Encoded": True}
