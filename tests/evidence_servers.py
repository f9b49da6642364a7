"""A real S3-compatible server for the evidence tests: moto's server mode.

moto's server is a real HTTP server speaking the S3 API on a free local port; our code talks to
it through boto3 exactly as it would to AWS or MinIO (only the endpoint URL differs). (ClamAV's
daemon for the scanning tests is in clamd_server.py.)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def s3_server(monkeypatch) -> Iterator[str]:
    """moto's S3 server on a free port of 127.0.0.1, with test credentials in the environment; its URL."""
    from moto.server import ThreadedMotoServer

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "eu-west-2"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def new_bucket(endpoint: str) -> str:
    import boto3

    name = f"evidence-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    return name
