"""``make bench``: throughput and latency figures, each beside its baseline measured in the same run."""
