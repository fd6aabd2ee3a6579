"""Dialogs: household, resident, move, life events, welcome."""
