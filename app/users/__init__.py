"""Staff accounts: admins manage them, everyone manages their own."""
