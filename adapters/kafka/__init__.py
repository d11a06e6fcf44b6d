"""Kafka in (``consumer``) and out (``relay``): topics, records and the partitioner they share."""
