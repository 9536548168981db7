def handler(event, context):
    return {"statusCode": 200, "body": "unreachable: the environment cannot be built"}
