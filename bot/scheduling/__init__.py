"""Unasked posts: when each server's brief is due, and the claim/commit log behind exactly-once.

Pure of Discord: the adapter's poster drives these with its own clock and does the sending.
"""
