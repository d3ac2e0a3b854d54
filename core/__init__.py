"""The bottom layer: what every app shares (audit log, money and locale formatting, signed tokens,
CSV export, DomainError, the request's club). It imports Django and third-party packages only, never an app.
"""
