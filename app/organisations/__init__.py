"""Organisations: organisers, donors and hosts, with logos."""
