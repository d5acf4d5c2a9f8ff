"""frontlens: a sourced, confidence-graded picture of who holds what, from public reports."""

from __future__ import annotations

import os

_NATIVE_POOLS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                 "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def _limit_native_threads() -> None:
    """One native (BLAS/OpenMP) thread per process unless the user says otherwise.

    natasha's embeddings run through numpy's OpenBLAS, which starts a thread per core in every
    extraction worker: on 2 cores, 2 workers ran at 58 % parallel efficiency. The pools read
    these variables when the library loads, so this runs when frontlens is first imported.
    ``FRONTLENS_NATIVE_THREADS`` sets the number (0 leaves the libraries' own default); a
    variable the user set (e.g. OPENBLAS_NUM_THREADS) is never overridden.
    """
    n = os.environ.get("FRONTLENS_NATIVE_THREADS", "1").strip()
    if n == "0" or not n.isdigit():
        return
    for var in _NATIVE_POOLS:
        os.environ.setdefault(var, n)


def limit_loaded_native_threads() -> None:
    """The same cap on pools already started: an extraction worker calls this first.

    The variables only count when a library loads. A program that imported numpy before
    frontlens (a notebook, a library user calling ``run_extract(workers=N)``), or a Dask
    worker started without them, has an OpenBLAS pool of one thread per core, and forked
    workers inherit its size. Through threadpoolctl where it is installed (it comes with
    scikit-learn); the numbers are the variables' (``OPENBLAS_NUM_THREADS`` for BLAS,
    ``OMP_NUM_THREADS`` for OpenMP), so a user's own setting still wins.
    """
    if os.environ.get("FRONTLENS_NATIVE_THREADS", "1").strip() == "0":
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    for api, var in (("blas", "OPENBLAS_NUM_THREADS"), ("openmp", "OMP_NUM_THREADS")):
        n = os.environ.get(var, "").strip()
        if n.isdigit() and int(n) > 0:
            threadpool_limits(limits=int(n), user_api=api)


_limit_native_threads()
