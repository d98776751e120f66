"""Conformance harness: real agent CLIs against a fake model API; see README.md here."""
