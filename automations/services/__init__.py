"""Writes of the automations app, one module per subdomain.

- ``club_settings``: leaders tune each automation of their club.
- ``triggers``: who is due which message now (claimed exactly once); ``delivery`` sends it after commit.
- ``tracking``: clicks and conversions, so leaders see what each automation brings.
- ``referrals``: links, the friend's first-period discount, the referrer's credit on the friend's first payment.
- ``cancellation``: why members leave, and the club's save offer.
"""
