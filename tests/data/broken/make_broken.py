#!/usr/bin/python3
"""Writes the corpus of broken PNG and safetensors files that the readers must reject cleanly.

Every file written here must make its reader throw film::Error (tests/test_image.cpp walks this
folder and checks that), so each one is broken in exactly one way that is named by its file name.
The same generator also writes small *valid* files as fuzzing seeds (--seeds DIR), so the fuzzers
start from inputs that reach deep into the parsers. Standard library only.

Usage:
  tests/data/broken/make_broken.py            # regenerate the corpus next to this script
  tests/data/broken/make_broken.py --seeds DIR # write valid seed files into DIR
"""
import json
import os
import struct
import sys
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind, data, crc=None):
    if crc is None:
        crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc & 0xFFFFFFFF)


def ihdr(width, height, bit_depth=8, color_type=2, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace))


def rgb_pixels(width, height):
    """A deterministic gradient, as rows of 8-bit RGB bytes."""
    return [bytes((x * 7 + y * 3 + c * 50) & 0xFF for x in range(width) for c in range(3))
            for y in range(height)]


# (x0, y0, dx, dy) of the seven Adam7 passes.
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def idat_payload(rows, bytes_per_pixel=3, interlace=False):
    """zlib stream of filter-type-0 scanlines, optionally in Adam7 order."""
    if not interlace:
        return zlib.compress(b"".join(b"\0" + r for r in rows))
    height, width = len(rows), len(rows[0]) // bytes_per_pixel
    raw = b""
    for x0, y0, dx, dy in ADAM7:
        for y in range(y0, height, dy):
            line = b"".join(rows[y][x * bytes_per_pixel:(x + 1) * bytes_per_pixel]
                            for x in range(x0, width, dx))
            if line:
                raw += b"\0" + line
    return zlib.compress(raw)


def png(width=16, height=16, interlace=False):
    rows = rgb_pixels(width, height)
    return (PNG_SIGNATURE + ihdr(width, height, interlace=int(interlace))
            + chunk(b"IDAT", idat_payload(rows, interlace=interlace)) + chunk(b"IEND", b""))


def safetensors(header, data=b"", header_bytes=None):
    if header_bytes is None:
        header_bytes = json.dumps(header).encode()
    return struct.pack("<Q", len(header_bytes)) + header_bytes + data


def f32(n):
    return struct.pack("<%df" % n, *[0.5 * i for i in range(n)])


def broken_files():
    good = png()
    idat_at = good.index(b"IDAT") - 4
    files = {}

    # --- PNG ---
    files["png_empty.png"] = b""
    files["png_not_png.png"] = b"This is a text file that was renamed to .png\n"
    files["png_signature_only.png"] = PNG_SIGNATURE
    files["png_truncated.png"] = good[: len(good) // 2]
    files["png_missing_iend.png"] = good[: good.index(b"IEND") - 4]
    files["png_bad_crc_ihdr.png"] = PNG_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0), crc=0x12345678) + good[33:]
    idat_len = struct.unpack(">I", good[idat_at:idat_at + 4])[0]
    crc_at = idat_at + 8 + idat_len
    files["png_bad_crc_idat.png"] = good[:crc_at] + bytes(b ^ 0xFF for b in good[crc_at:crc_at + 4]) + good[crc_at + 4:]
    tiny_idat = chunk(b"IDAT", zlib.compress(b"\0" * 64))
    files["png_huge_side.png"] = PNG_SIGNATURE + ihdr(100000, 16) + tiny_idat + chunk(b"IEND", b"")
    files["png_absurd_pixel_count.png"] = PNG_SIGNATURE + ihdr(30000, 30000) + tiny_idat + chunk(b"IEND", b"")
    # Within every size limit, but far more pixels than a 100-byte file can inflate to.
    files["png_more_pixels_than_data.png"] = PNG_SIGNATURE + ihdr(8000, 8000) + tiny_idat + chunk(b"IEND", b"")
    files["png_zero_width.png"] = PNG_SIGNATURE + ihdr(0, 16) + tiny_idat + chunk(b"IEND", b"")
    files["png_bad_color_type.png"] = PNG_SIGNATURE + ihdr(16, 16, color_type=5) + tiny_idat + chunk(b"IEND", b"")
    files["png_bad_bit_depth.png"] = PNG_SIGNATURE + ihdr(16, 16, bit_depth=3) + tiny_idat + chunk(b"IEND", b"")
    files["png_no_idat.png"] = PNG_SIGNATURE + ihdr(16, 16) + chunk(b"IEND", b"")
    files["png_idat_not_zlib.png"] = PNG_SIGNATURE + ihdr(16, 16) + chunk(b"IDAT", b"\x12\x34" * 40) + chunk(b"IEND", b"")
    # A valid zlib stream holding only 4 of the 16 rows the header promises.
    short_rows = rgb_pixels(16, 4)
    files["png_too_few_rows.png"] = PNG_SIGNATURE + ihdr(16, 16) + chunk(b"IDAT", idat_payload(short_rows)) + chunk(b"IEND", b"")
    bad_filter = zlib.compress(b"".join(b"\x09" + r for r in rgb_pixels(16, 16)))
    files["png_bad_filter_type.png"] = PNG_SIGNATURE + ihdr(16, 16) + chunk(b"IDAT", bad_filter) + chunk(b"IEND", b"")
    files["png_palette_without_plte.png"] = PNG_SIGNATURE + ihdr(16, 16, color_type=3) + tiny_idat + chunk(b"IEND", b"")
    inter = png(interlace=True)
    files["png_interlaced_truncated.png"] = inter[: len(inter) - 40]

    # --- safetensors ---
    ok_entry = {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}
    files["st_empty.safetensors"] = b""
    files["st_shorter_than_length.safetensors"] = b"\x05\0\0"
    files["st_header_past_eof.safetensors"] = struct.pack("<Q", 1000) + b'{"a": 1}'
    files["st_header_length_huge.safetensors"] = struct.pack("<Q", 2**63) + b"{}"
    files["st_invalid_json.safetensors"] = safetensors(None, f32(4), header_bytes=b'{"x": {"dtype": "F32",')
    files["st_header_not_object.safetensors"] = safetensors([1, 2, 3])
    files["st_duplicate_names.safetensors"] = safetensors(
        None, f32(8),
        header_bytes=b'{"x": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}, '
                     b'"x": {"dtype": "F32", "shape": [2, 2], "data_offsets": [16, 32]}}')
    files["st_offsets_out_of_range.safetensors"] = safetensors(
        {"x": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 1600]}}, f32(4))
    files["st_offsets_reversed.safetensors"] = safetensors(
        {"x": {"dtype": "F32", "shape": [0], "data_offsets": [16, 0]}}, f32(4))
    files["st_size_mismatch.safetensors"] = safetensors(
        {"x": {"dtype": "F32", "shape": [3, 2], "data_offsets": [0, 16]}}, f32(4))
    files["st_overlapping.safetensors"] = safetensors(
        {"a": ok_entry, "b": {"dtype": "F32", "shape": [2, 2], "data_offsets": [8, 24]}}, f32(6))
    files["st_unknown_dtype.safetensors"] = safetensors(
        {"x": {"dtype": "F33", "shape": [2, 2], "data_offsets": [0, 16]}}, f32(4))
    files["st_negative_shape.safetensors"] = safetensors(
        {"x": {"dtype": "F32", "shape": [-2, -2], "data_offsets": [0, 16]}}, f32(4))
    files["st_shape_overflow.safetensors"] = safetensors(
        {"x": {"dtype": "F32", "shape": [2**32, 2**32, 2**32], "data_offsets": [0, 16]}}, f32(4))
    files["st_missing_offsets.safetensors"] = safetensors({"x": {"dtype": "F32", "shape": [2, 2]}}, f32(4))
    # Valid JSON syntax, but the number does not fit a double: nlohmann throws out_of_range, not
    # parse_error (found by fuzz_safetensors).
    files["st_number_overflow.safetensors"] = safetensors(
        None, f32(4), header_bytes=b'{"x": {"dtype": "F32", "shape": [1e400], "data_offsets": [0, 16]}}')
    files["st_metadata_not_strings.safetensors"] = safetensors({"__metadata__": {"k": 5}, "x": ok_entry}, f32(4))
    return files


def seed_files():
    files = {}
    files["seed_rgb.png"] = png(16, 16)
    files["seed_rgb_interlaced.png"] = png(13, 11, interlace=True)
    gray_rows = [bytes(range(y, y + 8)) for y in range(8)]
    files["seed_gray.png"] = PNG_SIGNATURE + ihdr(8, 8, color_type=0) + chunk(b"IDAT", idat_payload(gray_rows, 1)) + chunk(b"IEND", b"")
    plte = chunk(b"PLTE", bytes([255, 0, 0, 0, 255, 0, 0, 0, 255]))
    trns = chunk(b"tRNS", bytes([0, 128]))
    pal_rows = [bytes([(x + y) % 3 for x in range(8)]) for y in range(8)]
    files["seed_palette.png"] = (PNG_SIGNATURE + ihdr(8, 8, color_type=3) + plte + trns
                                 + chunk(b"tEXt", b"Comment\0seed") + chunk(b"IDAT", idat_payload(pal_rows, 1))
                                 + chunk(b"IEND", b""))
    rows16 = [bytes((x * 37 + y) & 0xFF for x in range(8 * 8)) for y in range(4)]  # RGBA 16-bit, 8 wide
    files["seed_rgba16.png"] = PNG_SIGNATURE + ihdr(8, 4, bit_depth=16, color_type=6) + chunk(b"IDAT", idat_payload(rows16, 8)) + chunk(b"IEND", b"")
    files["seed_two_tensors.safetensors"] = safetensors(
        {"__metadata__": {"format": "pt"},
         "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
         "b": {"dtype": "F16", "shape": [3], "data_offsets": [16, 22]}}, f32(4) + b"\x00\x3c\x00\xc0\x00\x7c")
    files["seed_bf16_i64.safetensors"] = safetensors(
        {"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]},
         "n": {"dtype": "I64", "shape": [1], "data_offsets": [4, 12]}}, b"\x80\x3f\x00\x40" + struct.pack("<q", 7))
    return files


def write_all(folder, files):
    os.makedirs(folder, exist_ok=True)
    for name, data in sorted(files.items()):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--seeds":
        write_all(sys.argv[2], seed_files())
    elif len(sys.argv) == 1:
        write_all(os.path.dirname(os.path.abspath(__file__)), broken_files())
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
