"""Helper processes: the views' follower, the import's reader, the detectors' night helper."""
