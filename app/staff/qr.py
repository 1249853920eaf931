"""QR codes of respondent links, sized to print about 4 cm wide (quiet zone included)."""

from __future__ import annotations

import io
from typing import Literal

import segno

PRINT_WIDTH_MM = 40
PNG_DPI = 300
MM_PER_INCH = 25.4

QrKind = Literal["png", "svg"]
CONTENT_TYPES: dict[str, str] = {"png": "image/png", "svg": "image/svg+xml"}


def _code(url: str) -> segno.QRCode:
    # Level M survives a crumpled printout and keeps a ~50-character URL at version 4.
    return segno.make(url, error="m", micro=False)


def qr_png(url: str) -> bytes:
    """Return a PNG of the URL's QR code: 300 dpi and about 4 cm wide when printed."""
    code = _code(url)
    modules = code.symbol_size(scale=1)[0]
    target_px = PRINT_WIDTH_MM / MM_PER_INCH * PNG_DPI
    out = io.BytesIO()
    code.save(out, kind="png", scale=max(1, round(target_px / modules)), dpi=PNG_DPI)
    return out.getvalue()


def qr_svg(url: str, title: str | None = None) -> bytes:
    """Return an SVG of the URL's QR code, 40 mm wide (its width/height are in millimetres)."""
    code = _code(url)
    modules = code.symbol_size(scale=1)[0]
    out = io.BytesIO()
    code.save(out, kind="svg", scale=PRINT_WIDTH_MM / modules, unit="mm", title=title)
    return out.getvalue()


def qr_image(url: str, kind: QrKind) -> bytes:
    """Return the QR code of the URL as ``kind`` ("png" or "svg"); raise ``ValueError`` else."""
    if kind == "png":
        return qr_png(url)
    if kind == "svg":
        return qr_svg(url)
    raise ValueError(f"unknown QR image kind: {kind}")
