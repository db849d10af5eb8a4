"""The one thing pyproject.toml cannot say in a stable way yet: the compiled extension.

index/engines/_postings.c holds the archive engine's inner loops (docs/archive.md). `optional=True`: on a
machine without a C compiler the install still succeeds and the engine runs its numpy loops.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "index.engines._postings",
            sources=["index/engines/_postings.c"],
            # Exact scores must round as numpy's separate multiply and add do: no fused multiply-add.
            extra_compile_args=["-ffp-contract=off"],
            optional=True,
        )
    ]
)
