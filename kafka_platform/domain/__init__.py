"""What the platform knows about MSK, Kafka topics, lag scaling and Debezium, as plain Python.

Nothing here imports aws-cdk-lib: the configuration loader, the constructs, the cdk-nag rules and the simulator all
check against the same facts, and validating a file never starts jsii.
"""
