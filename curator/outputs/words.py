"""Calendar words shared by the renderers (digest email, .ics), so both speak alike."""

from __future__ import annotations

# The usual French abbreviations (Imprimerie nationale): "mai" and "juin" stay whole.
FR_SHORT_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
