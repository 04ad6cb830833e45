"""The reporter-facing blueprint: report form, thank-you page, follow-up by receipt code."""

from meldpunt.public.views import bp

__all__ = ["bp"]
