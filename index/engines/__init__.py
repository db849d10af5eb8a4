"""The two engines behind the Engine protocol (index/engine.py): small.py (rank-bm25, for the
article and small folders) and archive.py (memory-mapped arrays and compiled loops, for big archives)."""
