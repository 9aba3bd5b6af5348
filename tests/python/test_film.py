"""The Python module `film` (tools/python, docs/python.md), run by ctest as test_python:
PYTHONPATH names the build's python/ folder, FILM_BINARY the `film` program built beside it."""
import os
import signal
import subprocess
import threading
import time
from fractions import Fraction

import numpy as np
import pytest

import film

SOURCE = os.environ.get("FILM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FILM = os.environ.get("FILM_BINARY", "film")
EXAMPLES = os.path.join(SOURCE, "models", "examples")


@pytest.fixture(scope="module")
def pair():
    """The bundled example photos, cropped to keep the suite quick (odd sizes on purpose)."""
    a = film.read_image(os.path.join(EXAMPLES, "one.png"))[100:197, 150:281]
    b = film.read_image(os.path.join(EXAMPLES, "two.png"))[100:197, 150:281]
    return np.ascontiguousarray(a), np.ascontiguousarray(b)


@pytest.fixture(scope="module")
def interp():
    return film.Interpolator(threads=1)


def run_film(*args):
    r = subprocess.run([FILM, *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r


def test_same_frames_as_the_film_program(tmp_path, pair, interp):
    a, b = pair
    film.write_image(tmp_path / "a.png", a)
    film.write_image(tmp_path / "b.png", b)
    run_film("interpolate", str(tmp_path / "a.png"), str(tmp_path / "b.png"), "-o",
             str(tmp_path / "mid.png"), "--threads", "1", "--quiet")
    mid = interp.interpolate(a, b)
    assert mid.shape == a.shape and mid.dtype == np.uint8
    assert np.array_equal(mid, film.read_image(tmp_path / "mid.png"))
    # and byte for byte as a file, written by the module
    film.write_image(tmp_path / "py.png", mid)
    assert (tmp_path / "py.png").read_bytes() == (tmp_path / "mid.png").read_bytes()
    # several frames: --frames 3 (t = 1/4, 2/4, 3/4), frame_001..003 between a and b
    run_film("interpolate", str(tmp_path / "a.png"), str(tmp_path / "b.png"), "-o",
             str(tmp_path / "seq"), "--frames", "3", "--threads", "1", "--quiet")
    three = interp.frames(a, b, 3)
    assert len(three) == 3
    for i, frame in enumerate(three):
        assert np.array_equal(frame, film.read_image(tmp_path / "seq" / f"frame_{i + 1:03d}.png"))
    assert np.array_equal(three[1], mid)
    # any t, rounded to 1/64 as the program rounds it
    run_film("interpolate", str(tmp_path / "a.png"), str(tmp_path / "b.png"), "-o",
             str(tmp_path / "t.png"), "--timestamps", "0.3", "--threads", "1", "--quiet")
    assert np.array_equal(interp.interpolate(a, b, 0.3), film.read_image(tmp_path / "t.png"))
    at = interp.at(a, b, [0.3, 0.5])
    assert np.array_equal(at[1], mid) and np.array_equal(at[0], interp.interpolate(a, b, 0.3))
    assert film.Interpolator.reachable_time(0.3) == 19 / 64


def test_dtypes_and_channels(pair, interp):
    a, b = pair
    mid = interp.interpolate(a, b).astype(np.float64)
    # uint16 samples are v / 65535, float32 ones as given (a / 255 here): the model's output is
    # the same; uint8 and uint16 round and clamp it, float32 keeps it (slightly below 0 here)
    wide = interp.interpolate(a.astype(np.uint16) * 257, b.astype(np.uint16) * 257)
    assert wide.dtype == np.uint16 and wide.shape == a.shape
    assert np.abs(wide / 257.0 - mid).max() <= 0.5
    f = interp.interpolate(a.astype(np.float32) / np.float32(255), b.astype(np.float32) / np.float32(255))
    assert f.dtype == np.float32 and f.shape == a.shape
    assert np.abs(np.clip(f.astype(np.float64) * 255, 0, 255) - mid).max() <= 0.5 + 1e-4
    gray = interp.interpolate(a[..., 1].copy(), b[..., 1].copy())
    assert gray.shape == a.shape[:2] and gray.dtype == np.uint8
    one = interp.interpolate(a[..., 1:2].copy(), b[..., 1:2].copy())
    assert one.shape == a.shape[:2] + (1,) and np.array_equal(one[..., 0], gray)
    alpha_a = np.dstack([a, np.full(a.shape[:2], 255, np.uint8)])
    alpha_b = np.dstack([b, np.full(b.shape[:2], 55, np.uint8)])
    rgba = interp.interpolate(alpha_a, alpha_b)
    assert rgba.shape == alpha_a.shape and np.array_equal(rgba[..., :3], mid.astype(np.uint8))
    assert np.all(rgba[..., 3] == 155)  # alpha blended linearly at t


def test_strided_rows_are_read_in_place(pair, interp):
    a, b = pair
    crop = interp.interpolate(a[10:60, 20:90], b[10:60, 20:90])
    assert np.array_equal(crop, interp.interpolate(np.ascontiguousarray(a[10:60, 20:90]),
                                                   np.ascontiguousarray(b[10:60, 20:90])))
    flipped = interp.interpolate(a[::-1], b[::-1])
    assert np.array_equal(flipped, interp.interpolate(a[::-1].copy(), b[::-1].copy()))
    assert flipped.flags.c_contiguous and flipped.flags.writeable


def test_identical_inputs_and_ends(pair, interp):
    a, b = pair
    assert np.array_equal(interp.interpolate(a, a), a)
    assert np.array_equal(interp.interpolate(a, b, 0.0), a)
    assert np.array_equal(interp.interpolate(a, b, 1.0), b)


@pytest.mark.parametrize("make, words", [
    (lambda a, b: (a[0, :, 0], b[0, :, 0]), "shape"),                       # 1-D
    (lambda a, b: (a[None], b[None]), "shape"),                             # 4-D
    (lambda a, b: (a.astype(np.float64), b.astype(np.float64)), "float64"),
    (lambda a, b: (a.astype(np.int32), b.astype(np.int32)), "int32"),
    (lambda a, b: (a > 9, b > 9), "bool"),
    (lambda a, b: (a.astype(">u2"), b.astype(">u2")), "uint16"),            # big-endian
    (lambda a, b: (a, b[:-1]), "both must be alike"),
    (lambda a, b: (a, b.astype(np.uint16)), "both must be alike"),
    (lambda a, b: (a, b[..., :1].copy()), "both must be alike"),
    (lambda a, b: (a[:, ::2], b[:, ::2]), "ascontiguousarray"),
    (lambda a, b: (a.transpose(1, 0, 2), b.transpose(1, 0, 2)), "ascontiguousarray"),
    (lambda a, b: (np.dstack([a, a[..., :2]]), np.dstack([b, b[..., :2]])), "channels"),
    (lambda a, b: (a[:0], b[:0]), "no pixels"),
    (lambda a, b: (a[:, :0], b[:, :0]), "no pixels"),
    (lambda a, b: ("a.png", b), "numpy array"),
    (lambda a, b: (None, b), "numpy array"),
    (lambda a, b: (a, [[1, 2], [3, 4]]), "numpy array"),
])
def test_malformed_arrays_raise(pair, interp, make, words):
    x, y = make(*pair)
    with pytest.raises(film.UsageError) as e:
        interp.interpolate(x, y)
    assert isinstance(e.value, ValueError) and isinstance(e.value, film.Error)
    assert words in str(e.value)


def test_bad_values_raise(pair, interp):
    a, b = pair
    f = a.astype(np.float32) / 255
    g = b.astype(np.float32) / 255
    g[5, 7, 1] = np.nan
    with pytest.raises(film.Error, match="not finite"):
        interp.interpolate(f, g)
    g[5, 7, 1] = np.inf
    with pytest.raises(film.Error, match="not finite"):
        interp.interpolate(f, g)
    for t in (1.5, -0.1, float("nan")):
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            interp.interpolate(a, b, t)
    with pytest.raises(ValueError, match="1..1023"):
        interp.frames(a, b, 0)
    with pytest.raises(TypeError):
        interp.interpolate(a, b, "half")
    with pytest.raises(film.Error, match="fp16"):
        film.Interpolator(backend="cpu", precision="fp16")
    with pytest.raises(film.Error, match="nope"):
        film.Interpolator(backend="nope")
    with pytest.raises(film.Error, match="/nonexistent"):
        film.Interpolator(model="/nonexistent/model")
    with pytest.raises(ValueError, match="padding"):
        film.Interpolator(padding="mirror")
    with pytest.raises(ValueError, match="threads"):
        film.Interpolator(threads=-2)
    with pytest.raises(film.Error, match="/nonexistent/x.png"):
        film.read_image("/nonexistent/x.png")


def test_two_interpolators_in_two_threads_overlap(pair):
    """While one thread is inside a long interpolate(), another completes many short ones: the
    GIL is released (held, the second thread could not enter or leave a call meanwhile)."""
    a, b = pair
    big_a = np.ascontiguousarray(np.tile(a, (3, 3, 1)))
    big_b = np.ascontiguousarray(np.tile(b, (3, 3, 1)))
    f1, f2 = film.Interpolator(threads=1), film.Interpolator(threads=1)
    small_a, small_b = a[:32, :32].copy(), b[:32, :32].copy()
    f1.interpolate(big_a, big_b)  # warm: the plan for this size
    f2.interpolate(small_a, small_b)
    done, span = [], {}
    stop = threading.Event()

    def long_call():
        span["start"] = time.monotonic()
        f1.interpolate(big_a, big_b)
        span["end"] = time.monotonic()
        stop.set()

    def short_calls():
        while not stop.is_set():
            f2.interpolate(small_a, small_b)
            done.append(time.monotonic())

    threads = [threading.Thread(target=long_call), threading.Thread(target=short_calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    inside = [t for t in done if span["start"] < t < span["end"]]
    assert len(inside) >= 3, (len(inside), len(done), span["end"] - span["start"])


def test_one_interpolator_shared_by_threads_is_serialised(pair):
    a, b = pair
    f = film.Interpolator(threads=1)
    want = f.interpolate(a, b)
    results = []
    threads = [threading.Thread(target=lambda: results.append(f.interpolate(a, b))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3 and all(np.array_equal(r, want) for r in results)


def test_module_facts():
    assert film.__version__ and film.version().startswith("film " + film.__version__)
    names = {b.name: b for b in film.backends()}
    assert {"cpu", "ref", "vulkan"} <= set(names) and names["ref"].available
    try:
        devices = film.devices()
    except film.Error as e:  # no Vulkan loader or driver here: the reason is given
        assert str(e)
    else:
        assert all(isinstance(d.index, int) and d.name for d in devices)
    ref = film.Interpolator(backend="ref", threads=1)
    assert ref.backend.startswith("ref") and "film-default" in ref.model


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 2 s 12 fps 64x48 clip made by ffmpeg's test source, with a tone."""
    d = tmp_path_factory.mktemp("clip")
    path = d / "clip.mp4"
    r = subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=12",
                        "-f", "lavfi", "-i", "sine=frequency=440", "-t", "2", "-pix_fmt",
                        "yuv420p", "-c:v", "libx264", "-c:a", "aac", str(path)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("ffmpeg cannot make the test clip: " + r.stderr)
    return path


def test_retime_with_progress_and_cancel(tmp_path, clip):
    seen, notes = [], []
    out = tmp_path / "twice.mkv"
    # ffv1: lossless, so that a resumed file decodes to the same frames (docs/cli.md)
    r = film.retime(clip, out, factor=2, threads=1, codec="ffv1",
                    progress=lambda p: seen.append(p.frames_written), note=notes.append)
    assert r.frames_written == r.frames_out and r.frames_in == 24 and r.fps_out == 24
    assert seen and seen[-1] == r.frames_out and seen == sorted(seen)
    assert out.exists()
    # the same as `film video`
    run_film("video", str(clip), "-o", str(tmp_path / "cli.mkv"), "--factor", "2", "--threads", "1",
             "--codec", "ffv1", "--quiet")

    def frames(p):  # the decoded pictures, as ffmpeg decodes them
        return subprocess.run(["ffmpeg", "-v", "error", "-i", str(p), "-f", "rawvideo", "-"],
                              capture_output=True).stdout
    assert frames(out) == frames(tmp_path / "cli.mkv")

    # a callback returning False stops the run: film.Cancelled, no output, resumable
    stopped = tmp_path / "stopped.mkv"
    with pytest.raises(film.Cancelled):
        film.retime(clip, stopped, factor=2, threads=1, chunk=0.5, codec="ffv1",
                    progress=lambda p: p.frames_written < 20)
    assert not stopped.exists()
    r = film.retime(clip, stopped, factor=2, threads=1, chunk=0.5, codec="ffv1", resume=True)
    assert r.frames_written < r.frames_out and frames(stopped) == frames(out)

    # an exception raised in the callback comes out of retime() as it was
    class Stop(Exception):
        pass

    def boom(p):
        raise Stop("from the callback")
    with pytest.raises(Stop, match="from the callback"):
        film.retime(clip, tmp_path / "boom.mkv", factor=2, threads=1, progress=boom)
    assert not (tmp_path / "boom.mkv").exists()

    # one raised by the note callback is not lost either (the run itself goes on to its end)
    with pytest.raises(Stop, match="from the callback"):
        film.retime(clip, tmp_path / "noted.mkv", slowmo=2, threads=1, note=boom)


def test_retime_ctrl_c_is_a_keyboard_interrupt(tmp_path, clip):
    """The library installs no signal handler: Ctrl-C reaches Python as KeyboardInterrupt."""
    def interrupt(p):
        if p.frames_written >= 4:
            os.kill(os.getpid(), signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        film.retime(clip, tmp_path / "int.mkv", factor=2, threads=1, progress=interrupt)
    assert not (tmp_path / "int.mkv").exists()
    assert not [p for p in os.listdir(tmp_path) if "film-partial" in p]


def test_retime_slowmo_rates_and_options(tmp_path, clip):
    notes = []
    r = film.retime(clip, tmp_path / "slow.mkv", slowmo=2, threads=1, note=notes.append)
    assert r.fps_out == 12 and abs(r.frames_written - 48) <= 1
    assert any("audio" in n for n in notes)
    r = film.retime(clip, tmp_path / "f.mkv", fps="30000/1001", threads=1)
    assert abs(r.fps_out - 30000 / 1001) < 1e-9
    r2 = film.retime(clip, tmp_path / "g.mkv", fps=29.97, threads=1)
    assert r2.fps_out == r.fps_out
    r3 = film.retime(clip, tmp_path / "h.mkv", fps=Fraction(30000, 1001), threads=1)
    assert r3.fps_out == r.fps_out
    with pytest.raises(film.UsageError, match="fps"):
        film.retime(clip, tmp_path / "x.mkv", fps="fast")
    with pytest.raises(film.UsageError, match="one of"):
        film.retime(clip, tmp_path / "x.mkv", fps=24, factor=2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'fsp'"):
        film.retime(clip, tmp_path / "x.mkv", fsp=24)
    with pytest.raises(film.UsageError, match="quality"):
        film.retime(clip, tmp_path / "x.mkv", factor=2, quality="high")
    (tmp_path / "cuts.txt").write_text("6\n")
    r = film.retime(clip, tmp_path / "cut/%04d.png", factor=2, threads=1, scene_cut="off",
                    scene_cuts=tmp_path / "cuts.txt", at_cut="fade")
    assert r.scene_cuts == 1
    with pytest.raises(film.UsageError, match="at_cut"):
        film.retime(clip, tmp_path / "x.mkv", factor=2, at_cut="blend")
    with pytest.raises(film.Error, match="cuts.txt:1"):
        (tmp_path / "cuts.txt").write_text("900\n")
        film.retime(clip, tmp_path / "x.mkv", factor=2, scene_cuts=tmp_path / "cuts.txt")
    with pytest.raises(film.Error, match="exists"):  # never replaced unasked
        film.retime(clip, tmp_path / "slow.mkv", factor=2)
    with pytest.raises(film.Error, match="input"):  # never over the input, even with force
        film.retime(clip, clip, factor=2, force=True)
    assert not (tmp_path / "x.mkv").exists()


def test_installed_module_matches_the_installed_program(tmp_path, pair):
    """cmake --install puts the package where Debian's python3 looks for the prefix, beside a
    library and a model it finds; imported from there it gives the installed program's frames."""
    import sys
    build = os.environ.get("FILM_BUILD_DIR")
    if not build:
        pytest.skip("FILM_BUILD_DIR is not set (ctest sets it)")
    prefix = tmp_path / "prefix"
    r = subprocess.run(["cmake", "--install", build, "--prefix", str(prefix)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    minor = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = prefix / "lib" / minor / "site-packages"
    assert (site / "film" / "__init__.py").exists(), r.stdout
    a, b = pair
    film.write_image(tmp_path / "a.png", a)
    film.write_image(tmp_path / "b.png", b)
    env = {k: v for k, v in os.environ.items() if k not in ("FILM_MODEL", "PYTHONPATH")}
    subprocess.run([str(prefix / "bin" / "film"), "interpolate", str(tmp_path / "a.png"),
                    str(tmp_path / "b.png"), "-o", str(tmp_path / "cli.png"), "--quiet"],
                   env=env, check=True)
    code = ("import film, numpy, sys; f = film.Interpolator(); print(f.model); "
            "m = f.interpolate(film.read_image(sys.argv[1]), film.read_image(sys.argv[2])); "
            "print(numpy.array_equal(m, film.read_image(sys.argv[3])))")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.png"), str(tmp_path / "b.png"),
                        str(tmp_path / "cli.png")], env=dict(env, PYTHONPATH=str(site)),
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    model, same = r.stdout.split()
    assert model == str(prefix / "share" / "film" / "models" / "film-default") and same == "True"
    # /usr/local (the default prefix) and /usr: folders this python3 searches
    for pre, folder in (("/usr/local", f"lib/{minor}/dist-packages"), ("/usr", "lib/python3/dist-packages")):
        dest = tmp_path / ("destdir" + pre.replace("/", "-"))
        r = subprocess.run(["cmake", "--install", build, "--prefix", pre], capture_output=True,
                           text=True, env=dict(os.environ, DESTDIR=str(dest)))
        assert r.returncode == 0, r.stderr
        assert (dest / pre.lstrip("/") / folder / "film" / "__init__.py").exists(), r.stdout
        if sys.executable.startswith("/usr/bin/"):  # Debian's interpreter
            assert f"{pre}/{folder}" in sys.path
