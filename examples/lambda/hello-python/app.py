"""A Lambda handler for an HTTP API (payload format 2.0), as deployed to AWS."""
import json


def handler(event, context):
    if event["rawPath"] == "/plain":
        # No statusCode: an HTTP API infers 200 and a JSON body.
        return {"plain": True}
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json"},
        "cookies": ["c=3"],
        "body": json.dumps({
            "message": "hello from python",
            "version": event["version"],
            "routeKey": event["routeKey"],
            "rawPath": event["rawPath"],
            "name": (event.get("pathParameters") or {}).get("name"),
            "requestId": context.aws_request_id,
        }),
    }
