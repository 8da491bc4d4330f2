"""Staff sign-in and sign-out, and who may do what."""
