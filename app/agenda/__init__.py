"""The agenda and attendance."""
