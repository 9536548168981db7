import json
import logging
from typing import Any, Dict

logging.basicConfig(level=logging.INFO)
logger = logging.getLogger('chatty')


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    '''
    Writes to stdout twice and logs once (stderr, through the root logger), then answers with the
    invocation's request id prefix and the time it has left.
    '''
    short_id = context.request_id[:8]
    print(f'chatty {short_id}: {event.get("httpMethod")} received')
    print(f'chatty {short_id}: query {json.dumps(event.get("queryStringParameters") or {})}')
    logger.info('chatty %s: answering', short_id)

    return {
        'statusCode': 200,
        'headers': {'Content-Type': 'application/json'},
        'body': json.dumps({
            'requestId': short_id,
            'remainingMs': context.get_remaining_time_in_millis(),
        }),
        'isBase64Encoded': False,
    }
