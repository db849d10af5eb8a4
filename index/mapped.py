"""Arrays that are views of a memory-mapped file: letting go of the pages a process has read.

A build reads a gigabyte of cached segments through read-only mappings (segments.py). Every page
it touches stays in the process's resident memory while the mapping lives, although the kernel's
page cache holds the same bytes: dropping a page from the mapping once it has been used frees
nothing that is needed, and reading it again later takes it back from the page cache.
"""

from __future__ import annotations

import mmap

import numpy as np


def release(array: np.ndarray) -> None:
    """Drop the pages wholly inside `array` from this process's memory (they stay in the page
    cache); nothing for an array that is not a view of a read-only mmap.mmap."""
    mapping = _mapping_of(array)
    # Windows' mmap has no madvise: the pages then stay until the mapping is closed.
    if mapping is None or array.nbytes == 0 or not array.flags.c_contiguous or not hasattr(mmap, "MADV_DONTNEED"):
        return
    offset = array.ctypes.data - np.frombuffer(mapping, dtype=np.uint8, count=1).ctypes.data
    first = -(-offset // mmap.PAGESIZE) * mmap.PAGESIZE
    end = (offset + array.nbytes) // mmap.PAGESIZE * mmap.PAGESIZE
    if end > first:
        mapping.madvise(mmap.MADV_DONTNEED, first, end - first)


def _mapping_of(array: np.ndarray) -> mmap.mmap | None:
    base: object = array
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    if not isinstance(base, mmap.mmap) or base.closed:
        return None
    # Only a read-only mapping: a private writable one would lose its changes.
    with memoryview(base) as view:
        return base if view.readonly else None
