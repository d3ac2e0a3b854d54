class FeedError(Exception):
    """A rule of the feed refused the request; the message is shown to the member."""
