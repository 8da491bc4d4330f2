"""What happened to a registration, for whoever needs to know (the emails in
:mod:`.notifications`): operations announce, listeners act, and neither imports the other."""
from blinker import Namespace

_signals = Namespace()

#: sender: the Registration whose personal link should reach the participant (registered,
#: or the link sent again).
personal_link = _signals.signal("personal-link")
#: sender: the Registration whose status changed; keyword ``reason``.
status_changed = _signals.signal("status-changed")
#: sender: the Delegation whose focal point has a new nomination link.
focal_point_invited = _signals.signal("focal-point-invited")
