"""Associate tracklets of all cameras into global identities."""
