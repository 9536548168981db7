"""Answers with its version and process id (the hot-reload tests rewrite VERSION)."""
import os

VERSION = "v1"


def handler(event, context):
    return {"statusCode": 200, "body": VERSION + " " + str(os.getpid())}
