"""Handlers for gatehouse's runtime tests."""
import os
import subprocess
import sys
import time

INIT_PID = os.getpid()


def handler(event, context):
    action = event.get("action") if isinstance(event, dict) else None
    if action == "context":
        return {
            "aws_request_id": context.aws_request_id,
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
        }
    if action == "env":
        return dict(os.environ)
    if action == "pid":
        return {"pid": os.getpid()}
    if action == "raise":
        raise ValueError("bad value")
    if action == "sleep":
        time.sleep(event["millis"] / 1000)
        return {"slept": True}
    if action == "exit":
        os._exit(4)
    if action == "marshal":
        return {1, 2, 3}
    if action == "child":
        c = subprocess.Popen(["sleep", "60"])
        return {"pid": os.getpid(), "child": c.pid}
    print("echo", event)
    sys.stdout.flush()
    return event


def echo(event, context):
    """The benchmark handler: the event back, nothing else."""
    return event
