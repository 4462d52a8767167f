"""What curator hands to the user: the digest email and the calendar."""
