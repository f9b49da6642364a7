"""The evidence storage backends, the same tests for each: a local folder, and S3-compatible object
storage (moto's server mode: a real HTTP server speaking S3, reached through boto3); and the
content checks and the ClamAV client."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from apprenticeships.evidence import scanning, sniffing, storage
from apprenticeships.evidence.storage import LocalStorage, S3Storage, digest_of

from ..clamd_server import EICAR, FOUND_AS, clamd, requires_clamd, socket_folder
from ..evidence_servers import new_bucket, s3_server


@pytest.fixture(scope="module")
def s3_endpoint():
    with pytest.MonkeyPatch.context() as monkeypatch, s3_server(monkeypatch) as endpoint:
        yield endpoint


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "evidence")
    endpoint = request.getfixturevalue("s3_endpoint")
    return storage.from_url(f"s3://{new_bucket(endpoint)}/council-a", tmp_path, endpoint)


def stored_objects(store) -> list[str]:
    if isinstance(store, LocalStorage):
        return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())
    listed = store.client.list_objects_v2(Bucket=store.bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_bytes_are_kept_under_their_sha256_and_read_back(store):
    data = b"%PDF-1.4 a certificate"
    digest, new = store.put(data)
    assert digest == digest_of(data) and len(digest) == 64 and new
    assert store.exists(digest) and store.get(digest) == data


def test_the_same_bytes_are_stored_once(store):
    first, new_first = store.put(b"same bytes")
    second, new_second = store.put(b"same bytes")
    assert first == second and (new_first, new_second) == (True, False)
    assert len(stored_objects(store)) == 1


def test_deleting_forgets_the_bytes_and_a_missing_file_reads_as_none(store):
    digest, _ = store.put(b"to be removed")
    store.delete(digest)
    assert not store.exists(digest) and store.get(digest) is None
    store.delete(digest)  # again: nothing happens
    assert stored_objects(store) == []


def test_a_name_that_is_not_a_digest_is_refused_before_any_storage_is_touched(store):
    for bad in ("../../etc/passwd", "A" * 64, "abc", "0" * 63 + "/"):
        with pytest.raises(ValueError):
            store.get(bad)


def test_local_files_are_spread_over_folders_and_no_temporary_file_is_left(tmp_path):
    store = LocalStorage(tmp_path)
    digest, _ = store.put(b"x" * 1000)
    assert (tmp_path / digest[:2] / digest[2:4] / digest).read_bytes() == b"x" * 1000
    assert [p.name for p in tmp_path.rglob(".incoming-*")] == []


def test_s3_objects_carry_the_prefix_and_the_digest(s3_endpoint, tmp_path):
    store = storage.from_url(f"s3://{new_bucket(s3_endpoint)}/council-a/", tmp_path, s3_endpoint)
    assert isinstance(store, S3Storage)
    digest, _ = store.put(b"a report")
    assert stored_objects(store) == [f"council-a/evidence/{digest}"]


def test_the_storage_address_chooses_the_backend(tmp_path):
    assert isinstance(storage.from_url("", tmp_path), LocalStorage)
    assert storage.from_url("", tmp_path).root == tmp_path
    assert storage.from_url(f"file://{tmp_path}/x", "unused").root == Path(f"{tmp_path}/x")
    for wrong in ("s3://", "ftp://files.example.org/x"):
        with pytest.raises(ValueError):
            storage.from_url(wrong, tmp_path)


# What a file is, from its content ----------------------------------------------------------


def zipped(entries: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return out.getvalue()


OOXML = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


@pytest.mark.parametrize("data,expected", [
    (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"),
    (zipped({"[Content_Types].xml": OOXML, "_rels/.rels": "<r/>", "word/document.xml": "<w/>"}),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (zipped({"[Content_Types].xml": OOXML, "_rels/.rels": "<r/>", "xl/workbook.xml": "<w/>"}),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (zipped({"[Content_Types].xml": OOXML, "_rels/.rels": "<r/>", "ppt/presentation.xml": "<p/>"}),
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    (zipped({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"}),
     "application/vnd.oasis.opendocument.text"),
    ("Notes from the course: étape 1\n".encode(), "text/plain"),
])
def test_allowed_types_are_found_from_the_content(data, expected):
    assert sniffing.check(data).media_type == expected


@pytest.mark.parametrize("data", [
    b"MZ\x90\x00\x03" + b"\x00" * 200,  # a Windows program
    b"\x7fELF\x02\x01\x01" + b"\x00" * 100,  # a Linux program
    b"#!/bin/sh\nrm -rf /\n",  # a script
    b"<html><script>alert(1)</script></html>",
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    zipped({"a.txt": "an ordinary archive"}),
    b"first_name\n\x00\x01,=1+1\n",  # text with control characters
    b"\x00\xff\xfe",
])
def test_everything_else_is_refused_whatever_it_is_called(data):
    with pytest.raises(sniffing.NotAllowed):
        sniffing.check(data)


def photo_with_location() -> bytes:
    picture = Image.new("RGB", (1200, 900), "#3d7b5f")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # the camera's maker
    exif[0x0112] = 6  # taken sideways: to be turned before the EXIF goes
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_kept_without_its_metadata_turned_the_right_way_with_a_thumbnail():
    original = photo_with_location()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(0x8825)  # the GPS position is there to begin with
    checked = sniffing.check(original)
    assert checked.media_type == "image/jpeg"
    with Image.open(io.BytesIO(checked.data)) as kept:
        assert len(kept.getexif()) == 0 and "exif" not in kept.info
        assert kept.size == (900, 1200)  # turned upright, as the orientation said
    assert b"PhoneMaker" not in checked.data and b"GPS" not in checked.data
    with Image.open(io.BytesIO(checked.thumbnail)) as small:
        assert max(small.size) <= 320 and len(small.getexif()) == 0


def test_a_file_that_claims_to_be_a_picture_but_is_broken_is_refused():
    photo = photo_with_location()
    assert sniffing.media_type(photo[:2000]) == "image/jpeg"  # its start says JPEG, but the rest is missing
    with pytest.raises(sniffing.NotAllowed, match="is not a picture that can be opened"):
        sniffing.check(photo[:2000])


# The ClamAV client -------------------------------------------------------------------------


@requires_clamd
def test_the_clamd_client_streams_a_file_to_a_real_clamd_and_reads_the_verdicts():
    with socket_folder() as folder, clamd(folder) as socket_path:
        big = b"a" * (scanning.CHUNK * 2 + 10)  # more than one chunk
        assert scanning.scan(socket_path, big) == scanning.Verdict(True)
        assert scanning.scan(socket_path, b"prefix " + EICAR) == scanning.Verdict(False, FOUND_AS)
        # Across the first chunk's end: found only if every chunk arrives whole and in order.
        straddling = b"a" * (scanning.CHUNK - 20) + EICAR + b"a" * scanning.CHUNK
        assert scanning.scan(socket_path, straddling) == scanning.Verdict(False, FOUND_AS)


def test_an_unreachable_clamd_is_reported_not_taken_for_a_verdict(tmp_path):
    with pytest.raises(scanning.ScannerUnavailable):
        scanning.scan(str(tmp_path / "no-such.ctl"), b"anything")
