"""A small Django project the library did not write: chanx 0.13.3 and plain channels consumers.

Used by tests/foreign to record real sessions with `channels-replay record` and replay
them. Importing this package imports nothing of Django or chanx (the pytest process
reads `users` from it without setting Django up).
"""
