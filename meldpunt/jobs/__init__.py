"""Scheduled work: the scheduler and its exactly-once claims, outbox delivery, reminders,
retention and key rotation, and the back-office pages about them.
"""
