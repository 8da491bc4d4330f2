"""Working groups: who fills a course's team worksheets together, when the course groups its
participants by working group rather than by country (``Course.grouping``).

``operations`` chooses the grouping and adds, renames, deletes and fills groups; ``rules`` makes
groups automatically (by ministry, organisation type, country, province, mixed, random);
``exchange`` imports assignments from CSV or XLSX; ``views`` is the trainers' page."""
