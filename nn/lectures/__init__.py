"""The lecture notes' networks and experiments: hand-set logic gates, the worked 2-2-2 example
(lecture 004) and the XOR success-rate experiment."""
