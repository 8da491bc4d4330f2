"""Registration: participants by country and ministry, delegations, approval, waitlist."""
