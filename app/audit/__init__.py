"""The audit log: what trainers and admins did, readable by admins."""
