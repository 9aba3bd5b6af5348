"""Process set-up shared by the training tools.

glibc's malloc hands large freed blocks back to the kernel and maps them again on the next step, so
every training step page-faults (and zero-fills) gigabytes: measured on this machine, batch 8 of
256x256 crops took 44 s/step (70 s of 190 s in the kernel) instead of 7 s/step once malloc keeps its
memory. The thresholds are only read at process start, hence the re-exec.
OMP_WAIT_POLICY=PASSIVE: on this shared 2-core machine, OpenMP threads that spin-wait for a core held by
someone else's build made 2-thread steps 2-4x slower than 1-thread ones; passive waiting removes that.
Values already in the environment are kept.
"""
import os
import sys

ENV = {
    "MALLOC_TRIM_THRESHOLD_": str(16 << 30),  # never give freed heap memory back
    "MALLOC_TOP_PAD_": str(1 << 30),  # grow the heap in 1 GiB steps
    "MALLOC_MMAP_THRESHOLD_": str(16 << 30),  # serve big tensors from the heap, not fresh mmaps
    "OMP_WAIT_POLICY": "PASSIVE",
}


def tune_malloc():
    """Re-executes the current script once with ENV set (no-op if already set or FILM_NO_REEXEC)."""
    if os.environ.get("FILM_NO_REEXEC") or all(k in os.environ for k in ENV):
        return
    env = dict(os.environ)
    for k, v in ENV.items():
        env.setdefault(k, v)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def load_checkpoint(path: str):
    """torch.load of a train.py checkpoint on any numpy: checkpoints hold numpy's RNG state, which numpy 2
    pickles under `numpy._core` (a GPU machine's numpy 2.5) and numpy 1 under `numpy.core` (Debian's)."""
    import numpy
    import torch
    if not hasattr(numpy, "_core"):  # numpy 1.x reading a numpy-2 pickle
        import numpy.core.multiarray
        sys.modules.setdefault("numpy._core", numpy.core)
        sys.modules.setdefault("numpy._core.multiarray", numpy.core.multiarray)
    return torch.load(path, map_location="cpu", weights_only=False)  # weights_only refuses the RNG state
