"""The reporter's side: the public blueprint (form, thank-you page, follow-up), its forms,
uploads, attachment cleaning, receipt codes, contact-detail detection and the intake service.
"""
