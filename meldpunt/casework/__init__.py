"""What staff do with a report: queue, search, workflow, triage decisions, forwarding,
related reports, notes, messages to the reporter, contact details and routing settings.
"""
