"""Bilingual certificates: issued, verified, revoked, issued in bulk."""
