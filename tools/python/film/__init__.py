"""FILM frame interpolation for large motion, as a Python module (docs/python.md).

    import film, numpy
    f = film.Interpolator()                  # the bundled model on the cpu backend
    mid = f.interpolate(a, b)                # a, b: HxWxC uint8/uint16/float32 arrays
    film.retime("clip.mp4", "slow.mkv", slowmo=4, progress=print)

A binding over the C++ library (libfilm): the same frames as the `film` program, bit for bit.
"""
import os as _os

# The cpu backend's oneDNN runs on OpenMP, whose idle threads spin by default and take the cores
# from other work (docs/benchmarks.md); libgomp reads this once, when it is loaded, which is now
# unless something loaded it before. A value the user set is kept.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from ._film import (  # noqa: E402
    Backend, Cancelled, Device, Error, Interpolator, Progress, RetimeResult, UsageError,
    __version__, backends, devices, join, read_image, retime, version, write_image)

__all__ = ["Backend", "Cancelled", "Device", "Error", "Interpolator", "Progress", "RetimeResult",
           "UsageError", "backends", "devices", "join", "read_image", "retime", "version",
           "write_image"]
