"""Helpers of `make bench` (bench/run): the processes it starts, the load it applies, what it measures."""
