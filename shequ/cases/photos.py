"""Photos of a case: JPEG, PNG or WebP up to 10 MB, decoded and re-encoded from their pixels
so that no EXIF data (the phone's location, its serial number) is kept, and a file that only
claims to be an image is refused."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from shequ.core.errors import FieldError

MAX_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 9
# A 10 MB file can claim a 50,000 × 50,000 picture; refuse anything past a big phone camera.
MAX_PIXELS = 50_000_000
MAX_SIDE = 4096  # stored photos are scaled down to this
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


@dataclass(frozen=True)
class CleanPhoto:
    content: ContentFile[bytes]
    content_type: str
    width: int
    height: int
    sha256: str


def clean_photo(upload: Any, *, field: str = "photos", index: int = 0) -> CleanPhoto | FieldError:
    """The re-encoded photo, or the error naming the field and which photo."""
    name = getattr(upload, "name", "") or f"#{index + 1}"
    location = name

    def error(message: str) -> FieldError:
        return FieldError(field, message, location)

    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        return error(_("a photo may be at most 10 MB"))
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        return error(_("a photo may be at most 10 MB"))
    if not raw:
        return error(_("the file is empty"))
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            kind = probe.format or ""
            if kind not in FORMATS:
                return error(_("only JPEG, PNG or WebP photos are accepted"))
            if probe.width * probe.height > MAX_PIXELS:
                return error(_("the picture is too large (more than 50 megapixels)"))
            probe.verify()
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            pixels = _pixels_only(upright, kind)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return error(_("this file is not a readable JPEG, PNG or WebP picture"))
    pixels.thumbnail((MAX_SIDE, MAX_SIDE))
    content_type, ext = FORMATS[kind]
    out = io.BytesIO()
    if kind == "JPEG":
        pixels.save(out, "JPEG", quality=85, optimize=True)
    elif kind == "PNG":
        pixels.save(out, "PNG", optimize=True)
    else:
        pixels.save(out, "WEBP", quality=85)
    data = out.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    return CleanPhoto(
        ContentFile(data, name=f"{digest[:16]}.{ext}"),
        content_type,
        pixels.width,
        pixels.height,
        digest,
    )


def _pixels_only(image: Image.Image, kind: str) -> Image.Image:
    """A new image holding only the pixels: no EXIF, XMP, ICC text chunks or comments."""
    mode = image.mode
    if kind == "JPEG" and mode not in ("RGB", "L"):
        mode = "RGB"
    elif mode not in ("RGB", "RGBA", "L", "LA"):
        mode = "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
    source = image.convert(mode) if image.mode != mode else image
    clean = Image.new(mode, source.size)
    clean.paste(source)
    return clean


def clean_photos(
    uploads: list[Any], *, field: str = "photos"
) -> tuple[list[CleanPhoto], list[FieldError]]:
    if len(uploads) > MAX_PHOTOS:
        return [], [FieldError(field, _("at most %(n)d photos") % {"n": MAX_PHOTOS})]
    photos: list[CleanPhoto] = []
    errors: list[FieldError] = []
    for index, upload in enumerate(uploads):
        result = clean_photo(upload, field=field, index=index)
        if isinstance(result, FieldError):
            errors.append(result)
        else:
            photos.append(result)
    return photos, errors
