"""Read a PDF back in tests, with the standard library only: its pages, each page's size and the text drawn on it.
Enough for the PDFs Chromium prints (uncompressed object table, Flate streams, Type0 fonts with ToUnicode maps)."""
from __future__ import annotations

import re
import zlib

_OBJ = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_TOKENS = re.compile(rb"/([^\s/<>\[\]()]+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>|(\bET\b)|(\bTJ\b|\bTj\b)")


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in _OBJ.finditer(data)}


def _stream(body: bytes) -> bytes:
    raw = _STREAM.search(body).group(1)
    return zlib.decompress(raw) if b"/FlateDecode" in body else raw


def _cmap(text: bytes) -> dict[int, str]:
    found: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            found[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int(dst, 16)
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                found[code] = chr(start + i)
    return found


def read_pdf(data: bytes) -> list[dict]:
    """One dict per page, in order: 'width' and 'height' in points and its 'text'."""
    objects = _objects(data)
    root_pages = next(v for v in objects.values() if re.search(rb"/Type /Pages\b", v))
    order = [int(k) for k in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids \[(.*?)\]", root_pages, re.S).group(1))]
    pages = []
    for number in order:
        page = objects[number]
        box = [float(v) for v in re.search(rb"/MediaBox \[([^\]]*)\]", page).group(1).split()]
        fonts = {}
        font_dict = re.search(rb"/Font <<(.*?)>>", page, re.S)
        for name, ref in re.findall(rb"/(\S+) (\d+) 0 R", font_dict.group(1) if font_dict else b""):
            unicode_ref = re.search(rb"/ToUnicode (\d+) 0 R", objects[int(ref)])
            fonts[name] = _cmap(_stream(objects[int(unicode_ref.group(1))])) if unicode_ref else {}
        text, font = [], {}
        for ref in re.findall(rb"(\d+) 0 R", re.search(rb"/Contents (\[[^\]]*\]|\d+ 0 R)", page).group(1)):
            for m in _TOKENS.finditer(_stream(objects[int(ref)])):
                if m.group(1):
                    font = fonts.get(m.group(1), {})
                elif m.group(2) is not None:
                    raw = bytes.fromhex(m.group(2).decode())
                    text.append("".join(font.get(int.from_bytes(raw[i:i + 2], "big"), "")
                                        for i in range(0, len(raw) - 1, 2)))
                elif m.group(3):
                    text.append(" ")
        pages.append({"width": box[2] - box[0], "height": box[3] - box[1], "text": " ".join("".join(text).split())})
    return pages
