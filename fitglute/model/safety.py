"""The safety line every place that shows findings can carry (evidence.md, "Safety wording").

One place, so the wording cannot drift between the report, the note and the rules that repeat it.
"""

RED_FLAGS = (
    'Stop and get assessed on sudden pain, a "pop", swelling, or pain that changes how you run; '
    "drop any exercise that provokes pain."
)
