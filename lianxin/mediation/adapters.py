"""The only importer of the PDF renderer (WeasyPrint) and the image library (Pillow) in the mediation app.

Agreements are rendered from a Django template with Debian's Noto CJK fonts (fonts-noto-cjk),
named in the template's CSS; WeasyPrint embeds the subset used, so the PDF reads the same on
any machine and its text can be extracted. A signature is accepted only as a real PNG image.
"""

from __future__ import annotations

import base64
import binascii
import io

from django.template.loader import render_to_string
from django.utils import translation

SIGNATURE_MAX_BYTES = 300_000
SIGNATURE_MAX_SIDE_PX = 2000
PNG_DATA_URL_PREFIX = "data:image/png;base64,"


class NotAnImage(ValueError):
    """The signature is not a PNG image (or is too large); the message says which."""


def png_from_data_url(data_url: str) -> bytes:
    """Return the PNG bytes of a canvas's data URL; raise NotAnImage for anything else."""
    from PIL import Image, UnidentifiedImageError

    if not isinstance(data_url, str) or not data_url.startswith(PNG_DATA_URL_PREFIX):
        raise NotAnImage("not a PNG data URL")
    try:
        raw = base64.b64decode(data_url[len(PNG_DATA_URL_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise NotAnImage("not base64") from None
    if not raw or len(raw) > SIGNATURE_MAX_BYTES:
        raise NotAnImage("empty or too large")
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.verify()
            if image.format != "PNG":
                raise NotAnImage("not a PNG")
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise NotAnImage("not an image") from None
    if not (0 < width <= SIGNATURE_MAX_SIDE_PX and 0 < height <= SIGNATURE_MAX_SIDE_PX):
        raise NotAnImage("image too large")
    return raw


def is_blank(png: bytes) -> bool:
    """True if the image has no drawn stroke (every pixel transparent or white)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        rgba = image.convert("RGBA")
        extrema = rgba.getextrema()
    alpha_max = extrema[3][1]
    darkest = min(extrema[0][0], extrema[1][0], extrema[2][0])
    return alpha_max == 0 or darkest >= 250


def png_data_url(png: bytes) -> str:
    return PNG_DATA_URL_PREFIX + base64.b64encode(png).decode("ascii")


# An agreement is a Chinese legal document whatever language the page that asks for it uses.
PDF_LANGUAGE = "zh-hans"


def render_pdf(template: str, context: dict) -> bytes:
    """Render a template to PDF bytes with WeasyPrint, in Chinese."""
    from weasyprint import HTML

    with translation.override(PDF_LANGUAGE):
        html = render_to_string(template, context)
    return HTML(string=html).write_pdf()
