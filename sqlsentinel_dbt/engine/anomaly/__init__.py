"""Anomaly detection: a series in, the expected value and range of its latest buckets out.

`buckets` places a point in time (its bucket, its season), `detector` learns the expected
range from the training buckets and judges the detection buckets, and `series` turns an
alert query's rows into one series per key and the series' judgements into results.
"""
