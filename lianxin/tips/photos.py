"""Photos with a tip: checked by decoding them with Pillow, re-encoded without metadata, stored under random names.

A photo from a phone carries EXIF: where it was taken (GPS), when, and with which device. For
an anonymous tip that would undo the anonymity, and no tip needs it, so every photo is decoded
and its pixels written into a fresh image (JPEG stays JPEG, PNG stays PNG) that holds nothing
else: no EXIF, no XMP, no ICC profile, no text chunks, no original file name. The orientation
EXIF gave is applied to the pixels first, so the photo still stands the right way up.

Files go through Django's default storage (settings.MEDIA_ROOT, under the data dir); nothing
serves that folder, each file goes out through tips.views after the tip's selectors said yes.
"""

from __future__ import annotations

import io
import secrets
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_FIELD = "photos"
JPEG_QUALITY = 85
# Pillow format name → (content type, file extension) of the formats taken in.
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
PHOTO_FOLDER = "tip-photos"


@dataclass(frozen=True)
class CleanPhoto:
    """A photo ready to store: the re-encoded bytes and what they are."""

    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _refuse(message: str) -> ValidationError:
    return ValidationError({PHOTO_FIELD: [message]})


def photo_clean(upload, *, number: int = 1) -> CleanPhoto:
    """Decode one uploaded photo and re-encode it without metadata; ValidationError names `photos`.

    Refused: more than LIANXIN_TIP_PHOTO_MAX_BYTES, anything Pillow cannot decode, a format other
    than JPEG or PNG (whatever the file's name or declared type says), more than
    LIANXIN_TIP_PHOTO_MAX_PIXELS pixels (checked from the header, before decoding).
    """
    max_bytes = settings.LIANXIN_TIP_PHOTO_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _refuse(
            _("Photo %(n)d is larger than %(mb)d MB.") % {"n": number, "mb": max(1, max_bytes // (1024 * 1024))}
        )
    raw = upload.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise _refuse(
            _("Photo %(n)d is larger than %(mb)d MB.") % {"n": number, "mb": max(1, max_bytes // (1024 * 1024))}
        )
    not_an_image = _("File %(n)d is not a JPEG or PNG photo.") % {"n": number}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(raw))
            if probe.format not in FORMATS:
                raise _refuse(not_an_image)
            width, height = probe.size
            if width * height > settings.LIANXIN_TIP_PHOTO_MAX_PIXELS:
                raise _refuse(_("Photo %(n)d has too many pixels.") % {"n": number})
            probe.verify()  # checks the whole file's structure; the image must be opened again after it
            image = Image.open(io.BytesIO(raw))
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        raise _refuse(not_an_image) from None
    fmt = image.format or ""
    content_type, extension = FORMATS[fmt]
    upright: Image.Image = ImageOps.exif_transpose(image) or image
    side = settings.LIANXIN_TIP_PHOTO_MAX_SIDE_PX
    if max(upright.size) > side:
        upright.thumbnail((side, side))
    if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    elif fmt == "PNG" and upright.mode not in ("RGB", "RGBA", "L", "LA"):
        upright = upright.convert("RGBA")
    # A fresh image from the pixels alone: nothing of the original's info (EXIF, XMP, ICC, text) comes along.
    bare = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    out = io.BytesIO()
    if fmt == "JPEG":
        bare.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        bare.save(out, format="PNG", optimize=True)
    return CleanPhoto(out.getvalue(), content_type, extension, bare.width, bare.height)


def photos_clean(uploads: Sequence) -> list[CleanPhoto]:
    """Check the count against LIANXIN_TIP_PHOTOS_MAX and clean each photo (see photo_clean)."""
    uploads = [u for u in uploads if u is not None and getattr(u, "size", 1) != 0]
    most = settings.LIANXIN_TIP_PHOTOS_MAX
    if len(uploads) > most:
        raise _refuse(_("At most %(n)d photos with one tip.") % {"n": most})
    return [photo_clean(upload, number=i) for i, upload in enumerate(uploads, start=1)]


def photo_store(*, station_id: int, photo: CleanPhoto) -> str:
    """Write a clean photo under a random name; return its storage name."""
    name = f"{PHOTO_FOLDER}/{station_id}/{secrets.token_hex(16)}.{photo.extension}"
    return default_storage.save(name, ContentFile(photo.data))


def photo_files_delete(names: Iterable[str]) -> None:
    """Delete stored photo files (after a failed write, or as tips are deleted); missing files are fine."""
    for name in names:
        if name:
            default_storage.delete(name)
