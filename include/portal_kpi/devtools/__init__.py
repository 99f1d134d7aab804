"""Local development tools (may import anything; nothing imports them)."""
