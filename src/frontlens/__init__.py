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


_limit_native_threads()
