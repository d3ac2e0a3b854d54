"""The demo: its checkout page (``views.py``, ``checkout.py``) and the data ``manage.py seed_demo`` writes."""
