"""Read models built from the event log, and the detectors that follow it."""
