"""The local outbox: with DEBUG on, every email the site sends is kept as a file and shown at /dev/outbox/."""
