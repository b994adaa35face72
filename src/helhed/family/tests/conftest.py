"""Fixtures for the parents' view: the child's mother (custody holder) and father (a parent without custody), a
second family with its own open case, and helpers that give a parent a used link through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.meetings import services as meeting_services
from helhed.people import services as people_services
from helhed.people.models import RelationKind
from helhed.testing.factories import PersonFactory

BACKEND = "helhed.core.auth.HelhedModelBackend"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"


@pytest.fixture
def mother(town, child):
    person = PersonFactory(first_name="Mette", last_name="Testesen")
    people_services.relation_add(actor=town.caseworker, person=child, relative=person, kind=RelationKind.CUSTODY_HOLDER)
    return person


@pytest.fixture
def father(town, child, mother):
    """The child's father: a parent, but without custody (the mother is the recorded custody holder)."""
    person = PersonFactory(first_name="Frank", last_name="Testesen")
    people_services.relation_add(actor=town.caseworker, person=child, relative=person, kind=RelationKind.PARENT)
    return person


@dataclass
class Family:
    child: object
    parent: object
    case: object


@pytest.fixture
def other_family(town) -> Family:
    """Another child with an open case in the same unit, and her custody holder."""
    child = PersonFactory(first_name="Otto", last_name="Andersen")
    parent = PersonFactory(first_name="Anna", last_name="Andersen")
    people_services.relation_add(actor=town.caseworker, person=child, relative=parent, kind=RelationKind.CUSTODY_HOLDER)
    case = case_services.case_open(
        actor=town.caseworker, child=child, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
    )
    return Family(child=child, parent=parent, case=case)


def give_access(town, case, person):
    """A link created by the caseworker and used by the parent: returns the parent's user."""
    from helhed.family import services

    created = services.parent_link_create(actor=town.caseworker, case_id=case.pk, person_id=person.pk)
    return services.parent_link_use(token=created.token)


def parent_client(user) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def schedule(town, case, *, days: int = 3, family: bool = True, title: str = "", kind: str = "network"):
    start = timezone.now() + timedelta(days=days)
    externals = [meeting_services.ExternalIn(kind="parent", name="Mette Testesen", role="mor")] if family else []
    return meeting_services.meeting_schedule(
        actor=town.caseworker,
        case_id=case.pk,
        data=meeting_services.MeetingIn(
            kind=kind,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            location="Nørrebro Rådhus, mødelokale 2",
            agenda="1. Skolegang",
            externals=externals,
        ),
    )
