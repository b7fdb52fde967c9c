#!/usr/bin/env python3
"""make-icon.py — draws icon.png (128x128 RGBA), the extension's icon: a shield, the sign the
terminal profile and the status bar use, with a closed fence line across it. Standard library
only (zlib, struct): python3 make-icon.py > icon.png"""
import struct
import sys
import zlib

N = 128
BG = (0, 0, 0, 0)
EDGE = (230, 236, 245, 255)
FILL = (38, 92, 168, 255)
BAR = (240, 176, 48, 255)


def inside_shield(x, y, inset):
    """The shield: flat top, straight sides down to 55% of its height, then a curve to a point."""
    top, bottom, left, right = 10 + inset, 118 - inset, 18 + inset, 110 - inset
    if y < top or y > bottom or x < left or x > right:
        return False
    mid = (left + right) / 2
    knee = top + (bottom - top) * 0.55
    if y <= knee:
        return True
    # below the knee the half-width shrinks along a quarter ellipse to 0 at the bottom
    t = (y - knee) / (bottom - knee)
    half = (right - left) / 2 * (1 - t * t) ** 0.5
    return abs(x + 0.5 - mid) <= half


def pixel(x, y):
    if not inside_shield(x, y, 0):
        return BG
    if not inside_shield(x, y, 7):
        return EDGE
    if 54 <= y <= 66 and 30 <= x <= 98:
        return BAR
    return FILL


def png(rows):
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\0" + bytes(v for p in row for v in p) for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", N, N, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


sys.stdout.buffer.write(png([[pixel(x, y) for x in range(N)] for y in range(N)]))
