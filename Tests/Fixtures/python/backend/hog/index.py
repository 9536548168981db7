"""Keeps ?mb=N megabytes alive in module state: the process grows past its memory limit."""
import os

kept = []


def handler(event, context):
    megabytes = int(event["queryStringParameters"].get("mb", "0"))
    kept.append(bytearray(os.urandom(1)) * (megabytes * 1024 * 1024))
    return {"statusCode": 200, "body": str(os.getpid())}
