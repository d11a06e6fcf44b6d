"""Helper processes: the views' follower, which keeps the views current beside a long-running writer."""
