"""Compliance gates that run on every synthesized template: cdk-nag's AwsSolutions, PCI DSS 3.2.1 and NIST 800-53
rev 5 packs, and the bank's own KafkaPlatform pack. A finding fails synthesis unless acknowledged (see
``acknowledge``); the report, acknowledgments and their reasons included, lands in cdk.out/validation-report.json.
"""
