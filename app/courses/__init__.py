"""Courses: public pages and the staff pages that set them up."""
