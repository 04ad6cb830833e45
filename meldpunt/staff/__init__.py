"""Staff accounts, sign-in with TOTP, roles (``access``), the audit log and its anchor,
and the frame of the back-office blueprint (``blueprint``).
"""
