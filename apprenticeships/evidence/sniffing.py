"""What a file really is, from its content, never its name; and images made safe to show.

Why libmagic (through python-magic): it is the database behind the `file` command, kept up to
date by its maintainers and Debian, and it looks inside containers where a name would lie: a
Word, Excel or PowerPoint file (.docx, .xlsx, .pptx) is a ZIP, and libmagic tells it from any
other ZIP by the parts inside it ([Content_Types].xml and word/, xl/ or ppt/), and an
OpenDocument file by its `mimetype` entry. It also tells plain text from binary data, which
signature-only libraries (filetype, puremagic) cannot. It needs the C library libmagic1, a
Debian package that scripts/run.sh and scripts/test.sh install when it is missing.

Only the types in ALLOWED are accepted: PDF, common images, office documents and plain text.
Everything else (programs, scripts, HTML, SVG, archives, macro-enabled documents) is refused,
whatever it is called.

Images (Pillow) are decoded and encoded again before they are kept: what is stored and shown is
the picture only, without its metadata (EXIF, with a phone's GPS location, the camera, the
time), turned the right way up first. A thumbnail is made at the same time, and a file that
is not really a picture, or is too large to decode safely (a decompression bomb), is refused.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import magic

# Media type found by libmagic -> a short name people read.
ALLOWED = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "text/plain": "plain text",
    "text/csv": "CSV",
    "application/msword": "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.ms-excel": "Excel spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel spreadsheet",
    "application/vnd.ms-powerpoint": "PowerPoint presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint presentation",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument presentation",
    "text/rtf": "Rich Text document",
}
IMAGES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
# libmagic names some types more than one way; these are the same as the ones above.
_ALIASES = {"application/rtf": "text/rtf", "application/csv": "text/csv"}
# The extension a download gets for its type, so the file opens in the right program whatever
# name it was uploaded with.
EXTENSIONS = {
    "application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif",
    "image/webp": ".webp", "text/plain": ".txt", "text/csv": ".csv", "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-excel": ".xls", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt", "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp", "text/rtf": ".rtf",
}
WHAT_IS_ALLOWED = "a PDF, an image (JPEG, PNG, GIF or WebP), an office document or plain text"
THUMBNAIL_SIZE = (320, 320)
MAX_IMAGE_PIXELS = 40_000_000  # 40 megapixels: more than any phone camera; a bigger "image" is refused


class NotAllowed(ValueError):
    """The content is not a type we accept, or not what it claims to be; the message is for the person."""


def media_type(data: bytes) -> str:
    """The media type libmagic finds in the content."""
    found = magic.from_buffer(data, mime=True)
    return _ALIASES.get(found, found)


@dataclass(frozen=True)
class Checked:
    """A file's bytes as they will be kept (an image re-encoded without metadata), with its thumbnail."""

    data: bytes
    media_type: str
    thumbnail: bytes | None = None


def check(data: bytes) -> Checked:
    """The file as it will be kept, or NotAllowed with the reason."""
    found = media_type(data)
    if found not in ALLOWED:
        raise NotAllowed(f"must be {WHAT_IS_ALLOWED}")
    if found in ("text/plain", "text/csv") and not _is_text(data):
        raise NotAllowed(f"must be {WHAT_IS_ALLOWED}")
    if found in IMAGES:
        return _clean_image(data, found)
    return Checked(data, found)


def _is_text(data: bytes) -> bool:
    """Plain text in UTF-8 (or its ASCII part), without NUL or other control characters but line ends and tabs."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return not any(ord(c) < 32 and c not in "\t\n\r\f" for c in text)


def _clean_image(data: bytes, found: str) -> Checked:
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.width * opened.height > MAX_IMAGE_PIXELS:
                    raise NotAllowed("is too large a picture: make it smaller than 40 megapixels")
                opened.load()
                picture = ImageOps.exif_transpose(opened)  # the right way up, before the EXIF goes
    except NotAllowed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NotAllowed("is too large a picture: make it smaller than 40 megapixels") from None
    except Exception:  # Pillow raises many kinds for a broken file; all mean the same here
        raise NotAllowed("is not a picture that can be opened: it may be damaged") from None
    return Checked(_encode(picture, IMAGES[found]), found, _thumbnail(picture))


def _encode(picture, image_format: str) -> bytes:
    """The picture alone: a new file from its pixels, so no metadata (EXIF, XMP, comments) comes along."""
    out = io.BytesIO()
    if image_format == "JPEG":
        picture.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
    elif image_format == "GIF":
        picture.save(out, "GIF")
    elif image_format == "WEBP":
        picture.save(out, "WEBP", quality=90)
    else:
        picture.save(out, "PNG", optimize=True)
    return out.getvalue()


def _thumbnail(picture) -> bytes:
    """A small JPEG (a PNG where the picture has transparency) of at most THUMBNAIL_SIZE."""
    small = picture.copy()
    small.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    if small.mode in ("RGBA", "LA", "P"):
        small.convert("RGBA").save(out, "PNG", optimize=True)
    else:
        small.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def thumbnail_type(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
