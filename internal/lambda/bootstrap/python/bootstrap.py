"""gatehouse Python bootstrap: a Lambda runtime client written for gatehouse.

It loads the handler named by _HANDLER ("package/module.function") from
LAMBDA_TASK_ROOT, then loops over the Lambda Runtime API at
AWS_LAMBDA_RUNTIME_API using only the standard library (http.client, the
layer urllib is built on, for a kept-alive connection).
See docs/lambda-runtime.md for the behaviour it reproduces.
"""

import http.client
import importlib
import json
import os
import sys
import time
import traceback

API_PREFIX = "/2018-06-01/runtime"


class RuntimeAPI:
    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.host, self.port = host, int(port)
        self.conn = None

    def call(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port)
            try:
                self.conn.request(method, API_PREFIX + path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, resp.headers, data
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise


class InitError(Exception):
    def __init__(self, error_type, message, stack=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack = stack or []


class LambdaContext:
    """The context object of the Lambda Python runtimes."""

    def __init__(self, request_id, headers):
        self.aws_request_id = request_id
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        self.identity = _json_or_none(headers.get("Lambda-Runtime-Cognito-Identity"))
        self.client_context = _json_or_none(headers.get("Lambda-Runtime-Client-Context"))

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)


def _json_or_none(value):
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def _stack(tb):
    return traceback.format_list(traceback.extract_tb(tb))


def load_handler(spec, task_root):
    module_path, _, fn_name = spec.rpartition(".")
    if not module_path or not fn_name:
        raise InitError("Runtime.MalformedHandlerName",
                        "Bad handler '%s': expected module.function" % spec)
    module_name = module_path.replace("/", ".")
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as e:
        raise InitError("Runtime.UserCodeSyntaxError",
                        "Syntax error in module '%s': %s" % (module_name, e),
                        _stack(e.__traceback__.tb_next if e.__traceback__ else None))
    except ImportError as e:
        raise InitError("Runtime.ImportModuleError",
                        "Unable to import module '%s': %s" % (module_name, e))
    except Exception as e:
        raise InitError(type(e).__name__, str(e),
                        _stack(e.__traceback__.tb_next if e.__traceback__ else None))
    fn = getattr(module, fn_name, None)
    if fn is None or not callable(fn):
        raise InitError("Runtime.HandlerNotFound",
                        "Handler '%s' missing on module '%s'" % (fn_name, module_name))
    return fn


def post_error(api, path, doc, error_type):
    body = json.dumps(doc)
    print("[ERROR] %s: %s" % (doc.get("errorType"), doc.get("errorMessage")), file=sys.stderr, flush=True)
    api.call("POST", path, body=body.encode(),
             headers={"Content-Type": "application/json",
                      "Lambda-Runtime-Function-Error-Type": error_type})


def main():
    api = RuntimeAPI(os.environ["AWS_LAMBDA_RUNTIME_API"])
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""), task_root)
    except InitError as e:
        doc = {"errorMessage": e.message, "errorType": e.error_type,
               "requestId": "", "stackTrace": e.stack}
        post_error(api, "/init/error", doc, e.error_type)
        sys.exit(1)

    while True:
        status, headers, body = api.call("GET", "/invocation/next")
        if status != 200:
            print("runtime API /next answered %d: %r" % (status, body), file=sys.stderr)
            sys.exit(2)
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        trace = headers.get("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        err_path = "/invocation/%s/error" % request_id
        try:
            event = json.loads(body)
        except ValueError as e:
            post_error(api, err_path, {"errorMessage": "Unable to unmarshal input: %s" % e,
                                       "errorType": "Runtime.UnmarshalError",
                                       "requestId": request_id, "stackTrace": []},
                       "Runtime.UnmarshalError")
            continue
        try:
            result = handler(event, LambdaContext(request_id, headers))
        except Exception as e:
            tb = e.__traceback__.tb_next if e.__traceback__ else None
            doc = {"errorMessage": str(e), "errorType": type(e).__name__,
                   "requestId": request_id, "stackTrace": _stack(tb)}
            post_error(api, err_path, doc, doc["errorType"])
            continue
        try:
            payload = json.dumps(result)
        except (TypeError, ValueError) as e:
            post_error(api, err_path, {"errorMessage": "Unable to marshal response: %s" % e,
                                       "errorType": "Runtime.MarshalError",
                                       "requestId": request_id, "stackTrace": []},
                       "Runtime.MarshalError")
            continue
        api.call("POST", "/invocation/%s/response" % request_id, body=payload.encode(),
                 headers={"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
