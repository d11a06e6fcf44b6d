"""Everything that touches the outside world; ``bootstrap`` is the composition root."""
