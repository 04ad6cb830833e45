"""The contact-detail detector moved to the shared ground (``meldpunt/contact_details.py``):
the back office masks what it finds for partners too. Kept so intake code reads as before."""

from meldpunt.contact_details import find_contact_details, find_phone_numbers

__all__ = ["find_contact_details", "find_phone_numbers"]
