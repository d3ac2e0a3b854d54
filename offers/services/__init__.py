"""Writes of the offers app, by subdomain: posting, sending (email fan-out), tracking, redemptions."""
