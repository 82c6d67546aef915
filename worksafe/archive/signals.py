"""Signals of the archive for the modules that keep copies of an enterprise's data."""
from django.dispatch import Signal

# Sent with `enterprises` (Enterprise objects) after a bulk write (an xlsx import) changed their region or industry;
# a single save is a post_save. Rows that carry copies of the two (hazards) follow.
relocated = Signal()
