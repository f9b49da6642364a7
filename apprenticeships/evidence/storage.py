"""Where the bytes of evidence files live: a local folder, or S3-compatible object storage.

Both keep a file under the SHA-256 digest of its bytes (content addressing): the same bytes
attached twice, by anyone, are stored once, and a stored file can never be changed under its
name. The database holds what is known about each attachment (models/evidence.py) and names
the digest; nothing here knows about people or permissions, and nothing here is ever served
directly: the only way to the bytes is the permission-checked view (evidence/views.py).

EVIDENCE_STORAGE_URL chooses the backend:
- empty (the default): the folder `instance/evidence/`, for one server;
- a path, or `file:///a/path`: that folder;
- `s3://bucket` or `s3://bucket/prefix`: S3-compatible object storage through boto3 (AWS,
  MinIO, a council's own), so several app servers share the files. EVIDENCE_S3_ENDPOINT_URL
  names a server other than AWS (MinIO, say); credentials and region come the standard boto3
  way (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, or an instance role).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

_DIGEST = re.compile(r"[0-9a-f]{64}")


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked(digest: str) -> str:
    if not _DIGEST.fullmatch(digest):
        raise ValueError("not a SHA-256 digest")
    return digest


class Storage(Protocol):
    """Bytes kept under their digest."""

    def put(self, data: bytes) -> tuple[str, bool]:
        """Keep `data`; returns its digest and whether it was new (False: already there, not stored again)."""

    def get(self, digest: str) -> bytes | None:
        """The bytes under `digest`, or None if there are none."""

    def exists(self, digest: str) -> bool: ...

    def delete(self, digest: str) -> None:
        """Forget the bytes under `digest` (nothing happens if there are none)."""


class LocalStorage:
    """A folder, two levels deep by the digest's first characters (ab/cd/abcd...), so no folder grows huge.

    A file is written to a temporary name in the same folder and renamed into place, so a reader
    never sees half a file and two writers of the same bytes cannot clash.
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def _path(self, digest: str) -> Path:
        digest = _checked(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> tuple[str, bool]:
        digest = digest_of(data)
        path = self._path(digest)
        if path.exists():
            return digest, False
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest, True

    def get(self, digest: str) -> bytes | None:
        try:
            return self._path(digest).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, digest: str) -> bool:
        return self._path(digest).exists()

    def delete(self, digest: str) -> None:
        self._path(digest).unlink(missing_ok=True)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"


class S3Storage:
    """An S3 bucket (AWS or any S3-compatible server), objects named `<prefix>evidence/<digest>`.

    Objects are written with server-side encryption asked for where the server offers it (AWS
    and MinIO do); the bucket should block public access, since nothing is ever served from it
    directly.
    """

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, client=None) -> None:
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client("s3", endpoint_url=endpoint_url or None,
                                  config=Config(retries={"max_attempts": 3, "mode": "standard"}))
        self.client, self.bucket = client, bucket
        self.prefix = (prefix.strip("/") + "/") if prefix.strip("/") else ""

    def _key(self, digest: str) -> str:
        return f"{self.prefix}evidence/{_checked(digest)}"

    def put(self, data: bytes) -> tuple[str, bool]:
        digest = digest_of(data)
        if self.exists(digest):
            return digest, False
        # ChecksumSHA256 makes the server check the bytes arrived whole (it wants base64, not hex).
        import base64

        self.client.put_object(Bucket=self.bucket, Key=self._key(digest), Body=data,
                               ChecksumSHA256=base64.b64encode(bytes.fromhex(digest)).decode(),
                               ContentType="application/octet-stream")
        return digest, True

    def get(self, digest: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(digest))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def exists(self, digest: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(digest))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, digest: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(digest))

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"


def from_url(url: str, default_folder: str | os.PathLike, endpoint_url: str | None = None) -> Storage:
    """The storage EVIDENCE_STORAGE_URL names (see the module's docstring)."""
    url = (url or "").strip()
    if not url:
        return LocalStorage(default_folder)
    parts = urlsplit(url)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError("EVIDENCE_STORAGE_URL: an s3:// address needs a bucket, like s3://council-evidence")
        return S3Storage(parts.netloc, parts.path, endpoint_url)
    if parts.scheme == "file":
        return LocalStorage(parts.path)
    if parts.scheme:
        raise ValueError(f"EVIDENCE_STORAGE_URL: {parts.scheme}:// is not a kind of storage this app knows "
                         "(use a folder, file:// or s3://)")
    return LocalStorage(url)
