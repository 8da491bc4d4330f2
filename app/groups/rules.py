"""Working groups made automatically, by a rule recorded in ``Course.group_rule``:

- ``{"by": "ministry"}``: one group per ministry or agency (the same ministry of several
  countries together; people from no ministry by their type of organisation);
- ``{"by": "organisation_type"}``, ``{"by": "country"}``: one group per type, per country;
- ``{"by": "province"}``: one group per province or city as typed (spellings that differ only in
  case or accents together), then one for those who gave none;
- ``{"by": "mixed", "groups": N}``: N groups, each country's people and each sex spread as evenly
  as the numbers allow;
- ``{"by": "random", "size": N, "seed": S}``: groups of at most N, drawn at random; the same seed
  and the same participants give the same groups.

Groups are named in the course's working language; making them again replaces the assignment
(:func:`app.groups.operations.replace`)."""
from __future__ import annotations

import random
import secrets
from collections import Counter

from flask_babel import ngettext

from ..courses.models import Course
from ..i18n import _, current_language, use_language
from ..reference import country_name, ministries, organisation_types
from ..registrations.models import Registration, WorkingGroup
from ..registrations.names import fold
from .operations import NAME_LENGTH, GroupRefused, holds_saved_sheet, placeable, replace

RULES = ("ministry", "organisation_type", "country", "province", "mixed", "random")
MAX_GROUPS = 200


class NeedsConfirmation(GroupRefused):
    """Participants are in groups already: making groups again waits for the trainer's yes."""


def generate(course: Course, by: str, *, groups: int | None = None, size: int | None = None,
             seed: int | None = None, confirmed: bool = False) -> list[WorkingGroup]:
    """Make the course's groups by the rule ``by`` (see the module) and record it. Refused when
    nobody can be placed or a number is missing; asks for ``confirmed`` when some participants
    are in groups already."""
    people = placeable(course)
    if by not in RULES:
        raise GroupRefused(_("Choose how to make the groups."))
    if not people:
        raise GroupRefused(_("There are no approved participants to put in groups yet."))
    rule: dict = {"by": by}
    if by == "mixed":
        if not groups or not 1 <= groups <= min(len(people), MAX_GROUPS):
            raise GroupRefused(_("Give a number of groups from 1 to %(max)d.",
                                 max=min(len(people), MAX_GROUPS)))
        rule["groups"] = groups
    elif by == "random":
        if not size or size < 1:
            raise GroupRefused(_("Give the number of people per group."))
        rule.update(size=size, seed=seed if seed is not None else secrets.randbelow(1_000_000))
    placed = sum(person.group_id is not None for person in people)
    if placed and not confirmed:
        message = ngettext(
            "%(num)d participant is in a group already. Tick the box to replace the groups.",
            "%(num)d participants are in groups already. Tick the box to replace the groups.", placed)
        holding = [group.name for group in course.working_groups if holds_saved_sheet(group)]
        if holding:
            message += " " + _("Groups with saved worksheets keep them, under an earlier name "
                               "unless their members stay the same: %(names)s.",
                               names=", ".join(holding))
        raise NeedsConfirmation(message)
    with use_language(course.working_language):  # group names, "(earlier)" included
        plan = named(PLANS[by](people, rule))
        made = replace(course, plan)
    course.group_rule = rule
    return made


def named(plan: list[tuple[str, list[Registration]]]) -> list[tuple[str, list[Registration]]]:
    """Names cut to fit and made unique ("Name (2)"), in the order given."""
    taken, result = set(), []
    for name, members in plan:
        name, candidate, number = name[:NAME_LENGTH], name[:NAME_LENGTH], 1
        while candidate.casefold() in taken:
            number += 1
            suffix = f" ({number})"
            candidate = name[:NAME_LENGTH - len(suffix)] + suffix
        taken.add(candidate.casefold())
        result.append((candidate, members))
    return result


def by_key(people: list[Registration], key, name) -> list[tuple[str, list[Registration]]]:
    """One group per value of ``key(person)``, named ``name(value, members)``, by name."""
    buckets: dict = {}
    for person in people:
        buckets.setdefault(key(person), []).append(person)
    plan = [(name(value, members), members) for value, members in buckets.items()]
    return sorted(plan, key=lambda item: item[0].casefold())


def type_name(code: str) -> str:
    return next((kind.label for kind in organisation_types() if kind.code == code), code or "—")


def ministry_of(person: Registration):
    """The person's ministry as listed for their country, or None."""
    return next((m for m in ministries(person.country) if m.code == person.ministry), None) \
        if person.ministry else None


def ministry_key(person: Registration) -> tuple[str, str]:
    """Ministries of the same English name are one group across countries (each country's
    Ministry of Foreign Affairs together); people from no ministry go by organisation type."""
    ministry = ministry_of(person)
    if ministry is not None:
        return "ministry", (ministry.name.get("en") or ministry.code).casefold()
    return ("ministry", person.ministry) if person.ministry else ("type", person.organisation_type)


def ministry_name(members: list[Registration]) -> str:
    """The ministry's name in the working language where a member's list has it, else English."""
    listed = [ministry for ministry in map(ministry_of, members) if ministry is not None]
    named = [ministry.name.get(current_language()) for ministry in listed]
    return next((name for name in named if name), None) or \
        (listed[0].name.get("en") if listed else "") or members[0].ministry


def by_ministry(people, rule):
    return by_key(people, ministry_key, lambda key, members: ministry_name(members) if key[0] == "ministry"
                  else type_name(key[1]))


def by_organisation_type(people, rule):
    return by_key(people, lambda p: p.organisation_type, lambda code, _members: type_name(code))


def by_country(people, rule):
    return by_key(people, lambda p: p.country, lambda code, _members: country_name(code))


def by_province(people, rule):
    """Named by the spelling most members typed (the first typed on a tie); those who gave no
    province last."""
    def typed_most(_key, members):
        return Counter(person.province.strip() for person in members).most_common(1)[0][0]

    plan = by_key([p for p in people if fold(p.province)], lambda p: fold(p.province), typed_most)
    missing = [p for p in people if not fold(p.province)]
    return plan + ([(_("Province not given"), missing)] if missing else [])


def numbered(count: int) -> list[str]:
    return [_("Group %(number)d", number=number) for number in range(1, count + 1)]


def mixed(people, rule):
    """``rule["groups"]`` groups of sizes differing by one at most; each person goes, among the
    smallest groups, to the one with the fewest of their country, then of their sex. Countries
    are dealt largest first, each one's sexes taken in turn."""
    count = rule["groups"]
    sizes = Counter(person.country for person in people)
    ordered = []
    for country in sorted(sizes, key=lambda code: (-sizes[code], code)):
        by_sex: dict[str, list] = {}
        for person in people:
            if person.country == country:
                by_sex.setdefault(person.sex, []).append(person)
        queues = sorted(by_sex.values(), key=len, reverse=True)
        while any(queues):
            ordered += [queue.pop(0) for queue in queues if queue]
    groups = [[] for _number in range(count)]
    countries, sexes = [Counter() for _number in range(count)], [Counter() for _number in range(count)]
    for person in ordered:
        smallest = min(len(group) for group in groups)
        index = min((i for i in range(count) if len(groups[i]) == smallest),
                    key=lambda i: (countries[i][person.country], sexes[i][person.sex], i))
        groups[index].append(person)
        countries[index][person.country] += 1
        sexes[index][person.sex] += 1
    return list(zip(numbered(count), groups))


def drawn(people, rule):
    """Groups of at most ``rule["size"]`` (sizes differing by one at most), drawn with the
    rule's seed from the participants in a fixed order."""
    shuffled = list(people)
    random.Random(rule["seed"]).shuffle(shuffled)
    count = -(-len(shuffled) // rule["size"])
    return list(zip(numbered(count), [shuffled[index::count] for index in range(count)]))


PLANS = {"ministry": by_ministry, "organisation_type": by_organisation_type, "country": by_country,
         "province": by_province, "mixed": mixed, "random": drawn}
