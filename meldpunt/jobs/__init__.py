"""Scheduled work: the scheduler and its exactly-once claims, the jobs it runs (outbox
delivery, reminders, rollup, retention, upload clean-up), key rotation, and the back-office
pages about them.
"""
