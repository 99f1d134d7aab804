"""ISO 9001 compliance of state agencies from the DOST register."""
