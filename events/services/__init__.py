"""Writes for events, one module per subdomain: schedule, rsvps, attendance, calendars, notifications."""
