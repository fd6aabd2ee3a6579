"""Use cases over a Session: queries return light rows, commands return Changes. No Qt."""
