"""Dev-only tools: the Stripe emulator, the demo checkout and demo seeding. It may import every app;
local and test settings install it, production never does (tests/config/test_devtools_isolation.py)."""
