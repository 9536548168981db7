from typing import Any


def handler(event: dict, context: Any) -> Any:
    '''
    Returns a result chosen by ?kind=: list (a list), none (None), body-object (a dict body), or by
    default a dict with only a string body, which is valid: the status defaults to 200.
    '''
    kind = (event.get('queryStringParameters') or {}).get('kind', '')
    if kind == 'list':
        return [{'statusCode': 200, 'body': 'in a list'}]
    if kind == 'none':
        return None
    if kind == 'body-object':
        return {'statusCode': 200, 'headers': {'Content-Type': 'application/json'}, 'body': {'ok': True}}
    return {'body': 'fine'}
