"""Answers with what it was given: the event (or, with ?integration=raw, the body as the handler
received it) and the context's attributes."""
import json

CONTEXT_FIELDS = ("request_id", "aws_request_id", "function_name", "function_version", "function_folder_id",
                  "memory_limit_in_mb", "deadline_ms", "invoked_function_arn", "log_group_name",
                  "log_stream_name", "token")


def handler(event, context):
    seen = {name: getattr(context, name) for name in CONTEXT_FIELDS}
    seen["remaining_ms"] = context.get_remaining_time_in_millis()
    if not isinstance(event, dict) or "httpMethod" not in event:
        return {"raw_event": event, "context": seen}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"event": event, "context": seen})}
