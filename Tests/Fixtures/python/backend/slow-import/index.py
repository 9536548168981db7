"""Takes 3 s to import, with a 1 s timeout: the first invocation of each process times out."""
import time

time.sleep(3)


def handler(event, context):
    return {"statusCode": 200, "body": "imported"}
