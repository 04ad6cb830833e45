"""The outcome of classifying one report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class TriageResult:
    theme: str
    secondary_themes: tuple[str, ...]
    urgency: str
    route: str
    confidence: float  # probability of the primary theme, 0..1
    review: bool  # a person must look before acting on this suggestion
    explanation: list[str]  # short Dutch reasons for staff, most important first
    language: str  # detected ISO 639-1 code
    model_version: str

    def to_dict(self) -> dict[str, Any]:
        """Exactly the output keys of the contract (shared/taxonomy.md)."""
        return {
            "theme": self.theme,
            "secondary_themes": list(self.secondary_themes),
            "urgency": self.urgency,
            "route": self.route,
            "confidence": round(self.confidence, 3),
            "review": self.review,
            "explanation": list(self.explanation),
        }
