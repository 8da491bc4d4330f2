"""What became of the country action plans: three and six months after a course (dates the
organisers can change), each team that wrote an M11 action plan is asked, by email in each
member's language, to give the status of every action; the trainers see the answers per country."""
