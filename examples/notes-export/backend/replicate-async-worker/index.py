import base64
import hmac
import http.client
import json
import os
import re
import socket
import time
import urllib.parse
import urllib.request
import uuid
from typing import Any, Dict, List, Optional

import httpx
import psycopg2
import replicate
from psycopg2 import sql
from replicate.exceptions import ReplicateError

# The worker's own public URL (func2url.json): asked again while more tasks are waiting.
WORKER_URL = 'https://functions.poehali.dev/1fb0123a-5d1e-4bf3-8052-44ac16407a2e'
# The cuuupid/idm-vton version the original application pinned.
MODEL_VERSION = 'c871bb9b046607b680449ecbae55fd8c6d945e0a1948644bf2361b3d021d3ff4'

CORS_HEADERS = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, X-Worker-Token',
    'Access-Control-Max-Age': '86400',
}

DESCRIPTIONS = {'upper_body': 'upper body garment', 'lower_body': 'lower body garment', 'dresses': 'dress'}
TERMINAL = ('succeeded', 'failed', 'canceled')
MAX_OUTPUT_BYTES = 25_000_000
SAFE_TASK_ID = re.compile(r'[A-Za-z0-9][A-Za-z0-9_-]{0,127}\Z')


def setting(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, ''))
    except ValueError:
        return default


LEASE_SECONDS = max(2.0, setting('LEASE_SECONDS', 30))
POLL_SECONDS = max(0.02, setting('POLL_INTERVAL_MS', 1000) / 1000)
# Time kept back before the invocation's deadline to hand the task back cleanly.
RESERVE_MS = setting('WORKER_RESERVE_MS', 10_000)
RETRY_DELAY_SECONDS = 5


class LeaseLost(Exception):
    '''The task was taken over by another worker (our lease expired): stop without touching it.'''


class GiveBack(Exception):
    '''Ends this invocation's work on the task: back to pending after `delay` seconds.'''

    def __init__(self, code: str, message: str, delay: float, counts: bool):
        super().__init__(message)
        self.code = code
        self.message = message
        self.delay = delay
        self.counts = counts


class Fail(Exception):
    '''Ends the task for good with an error the page shows.'''

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    '''
    Processes ONE try-on task: claims the oldest pending task (or one whose worker died), runs a
    cuuupid/idm-vton prediction per garment through the official replicate client (each garment is
    put on the previous one's output), stores the result and the status. Called by start, by the
    timer in function.json, or by anyone with GET/POST (X-Worker-Token when WORKER_TOKEN is set).
    '''
    if isinstance(event.get('messages'), list) and not event.get('httpMethod'):
        return process_one(context)
    method = event.get('httpMethod', 'GET')
    if method == 'OPTIONS':
        return {'statusCode': 200, 'headers': CORS_HEADERS, 'body': '', 'isBase64Encoded': False}
    if method not in ('GET', 'POST'):
        return error(405, 'Use GET or POST to run the worker', 'method_not_allowed')
    expected = os.environ.get('WORKER_TOKEN')
    if expected:
        given = header(event.get('headers') or {}, 'X-Worker-Token') or ''
        if not hmac.compare_digest(given.encode('utf-8'), expected.encode('utf-8')):
            return error(401, 'X-Worker-Token is missing or wrong', 'unauthorized')
    return process_one(context)


def respond(status: int, payload: Any, headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    return {
        'statusCode': status,
        'headers': {**CORS_HEADERS, 'Content-Type': 'application/json', **(headers or {})},
        'body': json.dumps(payload, ensure_ascii=False),
        'isBase64Encoded': False,
    }


def error(status: int, message: str, code: str) -> Dict[str, Any]:
    extra = {'Allow': 'GET, POST, OPTIONS'} if status == 405 else {'Retry-After': '2'} if status == 503 else {}
    return respond(status, {'error': message, 'code': code}, extra)


def header(headers: Dict[str, str], name: str) -> Optional[str]:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def table() -> sql.Identifier:
    return sql.Identifier(os.environ.get('MAIN_DB_SCHEMA') or 'public', 'replicate_tasks')


def process_one(context: Any) -> Dict[str, Any]:
    token = os.environ.get('REPLICATE_API_TOKEN')
    if not token:
        return error(500, 'REPLICATE_API_TOKEN is not set; the worker cannot call Replicate', 'not_configured')
    try:
        conn = psycopg2.connect(os.environ['DATABASE_URL'])
    except psycopg2.OperationalError as problem:
        print(f'database unavailable: {problem}')
        return error(503, 'The database is unavailable; try again shortly', 'database_unavailable')
    conn.autocommit = True
    try:
        expired = fail_overdue(conn)
        task = claim(conn, f'{socket.gethostname()}:{os.getpid()}')
        if task is None:
            body = {'message': 'No pending tasks'}
            if expired:
                body['expired'] = expired
            return respond(200, body)
        job = Job(conn, replicate.Client(api_token=token), task, context)
        outcome = job.run()
        more = has_ready_task(conn)
    except psycopg2.Error as problem:
        # The task keeps its lease until it expires; a later call takes it over from there.
        print(f'database error: {type(problem).__name__}: {problem}')
        return error(503, 'The database failed during the task; it will be picked up again', 'database_unavailable')
    finally:
        conn.close()
    if more:
        call_worker_again(getattr(context, 'request_id', ''))
    return respond(200, {'message': outcome['message'], 'task_id': task['id'], 'status': outcome['status'],
                         'steps_done': outcome['steps_done']})


def fail_overdue(conn) -> int:
    '''Fails tasks past their deadline or out of attempts that no live worker holds.'''
    with conn.cursor() as cur:
        cur.execute(sql.SQL(
            "UPDATE {} SET status = 'failed', "
            "error_code = CASE WHEN deadline_at <= NOW() THEN 'deadline_exceeded' ELSE 'attempts_exhausted' END, "
            "error_message = CASE WHEN deadline_at <= NOW() THEN 'The try-on took longer than its deadline' "
            "ELSE COALESCE(error_message, 'The worker stopped before finishing, too many times') END, "
            'current_prediction_id = NULL, lease_token = NULL, lease_expires_at = NULL, locked_by = NULL, '
            'completed_at = NOW(), updated_at = NOW() '
            "WHERE (status = 'pending' OR (status = 'processing' AND lease_expires_at < NOW())) "
            'AND (deadline_at <= NOW() OR attempt >= max_attempts)'
        ).format(table()))
        return cur.rowcount


def claim(conn, worker_id: str) -> Optional[Dict[str, Any]]:
    '''
    Takes the oldest ready task (pending, or processing under an expired lease: its worker died)
    with a fresh lease. SKIP LOCKED: two workers never take the same task.
    '''
    lease = str(uuid.uuid4())
    with conn.cursor() as cur:
        cur.execute(sql.SQL(
            'WITH candidate AS ('
            '  SELECT id FROM {t}'
            "  WHERE ((status = 'pending' AND run_after <= NOW()) OR (status = 'processing' AND lease_expires_at < NOW()))"
            '    AND deadline_at > NOW() AND attempt < max_attempts'
            '  ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) '
            "UPDATE {t} AS t SET status = 'processing', attempt = t.attempt + 1, lease_token = %s::uuid, "
            '  lease_expires_at = NOW() + make_interval(secs => %s), locked_by = %s, '
            "  rescue_count = t.rescue_count + CASE WHEN t.status = 'processing' THEN 1 ELSE 0 END, "
            '  started_at = COALESCE(t.started_at, NOW()), updated_at = NOW() '
            'FROM candidate WHERE t.id = candidate.id '
            'RETURNING t.id, t.person_image, t.garments, t.prompt_hints, t.step, t.total_steps, '
            '  t.current_prediction_id, t.intermediate_url, t.attempt, t.max_attempts'
        ).format(t=table()), (lease, LEASE_SECONDS, worker_id))
        row = cur.fetchone()
    if row is None:
        return None
    keys = ('id', 'person_image', 'garments', 'prompt_hints', 'step', 'total_steps', 'prediction_id',
            'intermediate_url', 'attempt', 'max_attempts')
    task = dict(zip(keys, row))
    task['lease'] = lease
    return task


def has_ready_task(conn) -> bool:
    with conn.cursor() as cur:
        cur.execute(sql.SQL(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE status = 'pending' AND run_after <= NOW() "
            'AND deadline_at > NOW() AND attempt < max_attempts)'
        ).format(table()))
        return bool(cur.fetchone()[0])


def parse_garments(text: str) -> List[Dict[str, str]]:
    '''The garments column: a JSON list of {"image", "category"} objects or of bare URLs.'''
    try:
        items = json.loads(text)
    except (TypeError, ValueError):
        return []
    garments = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            garments.append({'image': item, 'category': 'upper_body'})
        elif isinstance(item, dict) and isinstance(item.get('image') or item.get('url'), str):
            category = item.get('category')
            garments.append({'image': item.get('image') or item.get('url'),
                             'category': category if category in DESCRIPTIONS else 'upper_body'})
    return garments


class Job:
    '''One claimed task, processed within this invocation's time.'''

    def __init__(self, conn, client: replicate.Client, task: Dict[str, Any], context: Any):
        self.conn = conn
        self.client = client
        self.task = task
        self.context = context
        self.renewed = time.monotonic()
        self.total = 0

    def remaining_ms(self) -> float:
        return self.context.get_remaining_time_in_millis()

    def run(self) -> Dict[str, Any]:
        task = self.task
        try:
            garments = parse_garments(task['garments'])
            self.total = len(garments)
            if not garments or task['step'] > len(garments):
                raise Fail('invalid_task', "The task's garments list is unreadable")
            while task['step'] < len(garments):
                if self.remaining_ms() < RESERVE_MS * 2:
                    raise GiveBack('time_short', f"Invocation time ran short before step {task['step'] + 1}", 0, False)
                self.run_step(garments[task['step']])
            result_url = store_result(task['id'], task['intermediate_url'])
            self.update("status = 'completed', result_url = %s, step = total_steps, error_code = NULL, "
                        'error_message = NULL, current_prediction_id = NULL, completed_at = NOW(), '
                        'lease_token = NULL, lease_expires_at = NULL, locked_by = NULL', [result_url])
            print(f"task {task['id']}: completed, {result_url}")
            return self.outcome('Task completed', 'completed')
        except LeaseLost:
            print(f"task {task['id']}: lease lost, stopped")
            return self.outcome('Lease lost: another worker took the task over; stopped', 'lease_lost')
        except Fail as failure:
            return self.fail(failure.code, failure.message)
        except GiveBack as back:
            return self.give_back(back)
        except ReplicateError as problem:
            return self.replicate_error(problem)
        except (httpx.HTTPError, OSError, ValueError) as problem:
            # The network, a download, an unreadable output: try again shortly (attempts are limited).
            return self.give_back(GiveBack('network', f'{type(problem).__name__}: {problem}', RETRY_DELAY_SECONDS, True))

    def run_step(self, garment: Dict[str, str]) -> None:
        task = self.task
        step = task['step']
        if task['prediction_id']:
            # Created by an earlier invocation that stopped: follow it instead of paying for another.
            prediction = self.client.predictions.get(task['prediction_id'])
        else:
            self.renew(force=True)
            human = task['person_image'] if step == 0 else task['intermediate_url'] or task['person_image']
            prediction = self.client.predictions.create(version=os.environ.get('REPLICATE_MODEL_VERSION') or MODEL_VERSION, input={
                'human_img': human,
                'garm_img': garment['image'],
                'garment_des': task['prompt_hints'] or DESCRIPTIONS[garment['category']],
                'category': garment['category'],
                'crop': False,
                'steps': 30,
                'seed': 42,
            })
            self.update('current_prediction_id = %s', [prediction.id])
            task['prediction_id'] = prediction.id
            print(f"task {task['id']}: step {step + 1} of {self.total}, prediction {prediction.id}")
        while prediction.status not in TERMINAL:
            if self.remaining_ms() < RESERVE_MS:
                raise GiveBack('time_short', 'Invocation time ran short while the prediction ran', 0, False)
            self.renew()
            time.sleep(POLL_SECONDS)
            prediction.reload()
        if prediction.status != 'succeeded':
            reason = prediction.error or f'the prediction was {prediction.status}'
            raise Fail('prediction_failed', f'Prediction failed: {str(reason)[:500]}')
        output = output_url(prediction.output)
        if output is None:
            raise Fail('no_output', 'The model finished without an output image')
        self.update('step = %s, intermediate_url = %s, current_prediction_id = NULL', [step + 1, output])
        task['step'] = step + 1
        task['intermediate_url'] = output
        task['prediction_id'] = None

    def replicate_error(self, problem: ReplicateError) -> Dict[str, Any]:
        status = problem.status or 0
        detail = problem.detail or problem.title or 'no detail'
        if status == 429:
            return self.give_back(GiveBack('rate_limited', 'Replicate is rate limiting; waiting', 10, False))
        if status >= 500:
            return self.give_back(GiveBack('replicate_unavailable', f'Replicate answered {status}: {detail}',
                                           RETRY_DELAY_SECONDS, True))
        if status == 404 and self.task['prediction_id']:
            # The prediction is gone (Replicate keeps them for a limited time): make a new one.
            self.task['prediction_id'] = None
            return self.give_back(GiveBack('prediction_gone', f'Prediction not found: {detail}', 0, True),
                                  drop_prediction=True)
        return self.fail('replicate_refused', f'Replicate refused the request ({status}): {detail}')

    def outcome(self, message: str, status: str) -> Dict[str, Any]:
        return {'message': message, 'status': status, 'steps_done': self.task['step']}

    def update(self, assignments: str, params: List[Any]) -> None:
        '''An update fenced by this claim's lease: nothing changes, and LeaseLost, once it is gone.'''
        with self.conn.cursor() as cur:
            cur.execute(sql.SQL('UPDATE {} SET ' + assignments + ', updated_at = NOW() '
                                "WHERE id = %s AND lease_token = %s::uuid AND status = 'processing'"
                                ).format(table()), params + [self.task['id'], self.task['lease']])
            if cur.rowcount != 1:
                raise LeaseLost()

    def renew(self, force: bool = False) -> None:
        since = time.monotonic() - self.renewed
        if since >= LEASE_SECONDS / 3 or (force and since >= 1):
            self.update('lease_expires_at = NOW() + make_interval(secs => %s)', [LEASE_SECONDS])
            self.renewed = time.monotonic()

    def fail(self, code: str, message: str) -> Dict[str, Any]:
        try:
            self.update("status = 'failed', error_code = %s, error_message = left(%s, 2000), "
                        'attempt_log = attempt_log || jsonb_build_object(\'at\', NOW(), \'attempt\', attempt, '
                        "'code', %s::text, 'message', left(%s, 300)), "
                        'current_prediction_id = NULL, completed_at = NOW(), '
                        'lease_token = NULL, lease_expires_at = NULL, locked_by = NULL',
                        [code, message, code, message])
        except LeaseLost:
            return self.outcome('Lease lost: another worker took the task over; stopped', 'lease_lost')
        print(f"task {self.task['id']}: failed: {message}")
        return self.outcome(message, 'failed')

    def give_back(self, back: GiveBack, drop_prediction: bool = False) -> Dict[str, Any]:
        '''Back to pending for a later invocation (the prediction in flight is kept and followed).'''
        task = self.task
        if back.counts and task['attempt'] >= task['max_attempts']:
            return self.fail(back.code, f"{back.message} (gave up after {task['attempt']} attempts)")
        try:
            self.update("status = 'pending', run_after = NOW() + make_interval(secs => %s), "
                        'attempt = attempt - %s, error_code = %s, error_message = left(%s, 2000), '
                        'attempt_log = attempt_log || jsonb_build_object(\'at\', NOW(), \'attempt\', attempt, '
                        "'code', %s::text, 'message', left(%s, 300)), "
                        + ('current_prediction_id = NULL, ' if drop_prediction else '')
                        + 'lease_token = NULL, lease_expires_at = NULL, locked_by = NULL',
                        [back.delay, 0 if back.counts else 1, back.code, back.message, back.code, back.message])
        except LeaseLost:
            return self.outcome('Lease lost: another worker took the task over; stopped', 'lease_lost')
        print(f"task {task['id']}: back to pending in {back.delay:g} s: {back.message}")
        return self.outcome(f'Handed back: {back.message}', 'pending')


def output_url(output: Any) -> Optional[str]:
    '''The image of a prediction's output: a URL (or data: URI), or the last one of a list.'''
    if isinstance(output, list):
        output = next((item for item in reversed(output) if isinstance(item, str)), None)
    return output if isinstance(output, str) and output else None


def store_result(task_id: str, output: str) -> str:
    '''
    Replicate deletes outputs after an hour, so the final image is copied into the project's
    storage (STORAGE_DIR, served at STORAGE_PUBLIC_URL, by default FNHOST_BASE_URL/results, which
    fnhost serve sets) and result_url points at the copy. Without STORAGE_DIR it is Replicate's URL.
    '''
    directory = os.environ.get('STORAGE_DIR')
    if not directory:
        return output
    if not SAFE_TASK_ID.match(task_id):
        raise Fail('invalid_task', 'The task id cannot name a folder for its result')
    data = download(output)
    extension = image_extension(data)
    if extension is None:
        raise Fail('no_output', "The model's output is not a PNG, JPEG, WebP or GIF image")
    folder = os.path.join(directory, task_id)
    os.makedirs(folder, exist_ok=True)
    name = f'result.{extension}'
    temporary = os.path.join(folder, f'.{name}.{os.getpid()}.tmp')
    with open(temporary, 'wb') as file:
        file.write(data)
    os.replace(temporary, os.path.join(folder, name))
    public = os.environ.get('STORAGE_PUBLIC_URL') or os.environ.get('FNHOST_BASE_URL', '').rstrip('/') + '/results'
    return f"{public.rstrip('/')}/{task_id}/{name}"


def download(url: str) -> bytes:
    if url.startswith('data:'):
        _, _, payload = url.partition(',')
        return base64.b64decode(payload)
    if urllib.parse.urlsplit(url).scheme not in ('http', 'https'):
        raise ValueError(f'the output is not an http(s) URL: {url[:80]}')
    with urllib.request.urlopen(url, timeout=30) as answer:
        data = answer.read(MAX_OUTPUT_BYTES + 1)
    if len(data) > MAX_OUTPUT_BYTES:
        raise ValueError(f'the output is larger than {MAX_OUTPUT_BYTES} bytes')
    return data


def image_extension(data: bytes) -> Optional[str]:
    if data.startswith(b'\x89PNG\r\n\x1a\n'):
        return 'png'
    if data.startswith(b'\xff\xd8\xff'):
        return 'jpg'
    if data[:4] == b'RIFF' and data[8:12] == b'WEBP':
        return 'webp'
    if data.startswith(b'GIF8'):
        return 'gif'
    return None


def call_worker_again(request_id: str) -> None:
    '''More tasks are ready: ask for another invocation (fire-and-forget, like start's trigger).'''
    url = urllib.parse.urlsplit(WORKER_URL)
    headers = {'X-Triggered-By': f'replicate-async-worker (backlog) {request_id}'}
    token = os.environ.get('WORKER_TOKEN')
    if token:
        headers['X-Worker-Token'] = token
    conn = http.client.HTTPSConnection(url.hostname, url.port or 443, timeout=3)
    try:
        try:
            conn.request('GET', url.path or '/', headers=headers)
        except (OSError, http.client.HTTPException) as problem:
            print(f'could not ask for the next worker ({type(problem).__name__}: {problem}); the timer will')
            return
        conn.sock.settimeout(0.3)
        try:
            conn.getresponse().read()
        except (OSError, http.client.HTTPException):
            pass
    finally:
        conn.close()
