"""Validators for identity data entered by hand or imported from spreadsheets (ID numbers, phones)."""
