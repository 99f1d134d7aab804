"""Decision 766 points: the portal's formulas, a daily provisional score, points at stake."""
