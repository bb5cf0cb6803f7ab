"""The demo world that the README, the tests and people share (DESIGN.md, "The demo world")."""

from __future__ import annotations

from dataclasses import dataclass
from secrets import compare_digest


@dataclass(frozen=True)
class DemoTenant:
    context_id: str
    company_name: str
    email_domain: str


@dataclass(frozen=True)
class DemoAssociate:
    context_id: str
    associate_id: int
    username: str
    password: str
    full_name: str
    initials: str
    is_administrator: bool
    email_domain: str

    @property
    def email(self) -> str:
        return f"{self.username}@{self.email_domain}"

    @property
    def label(self) -> str:
        return "administrator" if self.is_administrator else "user"


DEMO = DemoTenant("Cust12345", "Demo Company AS", "demo.example")
OTHER = DemoTenant("Cust67890", "Other Company AS", "other.example")
TENANTS = {tenant.context_id: tenant for tenant in (DEMO, OTHER)}


def _associate(tenant: DemoTenant, associate_id: int, username: str, full_name: str, *, admin: bool = False):
    initials = "".join(part[0] for part in full_name.split()).upper()
    return DemoAssociate(
        tenant.context_id, associate_id, username, username, full_name, initials, admin, tenant.email_domain
    )


ASSOCIATES: tuple[DemoAssociate, ...] = (
    _associate(DEMO, 1, "admin", "Ada Admin", admin=True),
    _associate(DEMO, 2, "anna", "Anna Andersen"),
    _associate(DEMO, 3, "bjorn", "Bjørn Berg"),
    _associate(DEMO, 4, "carla", "Carla Christensen"),
    _associate(DEMO, 5, "dag", "Dag Dahl"),
    _associate(OTHER, 1, "oscar", "Oscar Olsen", admin=True),
    _associate(OTHER, 2, "olga", "Olga Ness"),
)
_BY_USERNAME = {associate.username: associate for associate in ASSOCIATES}


def authenticate(username: str, password: str) -> DemoAssociate | None:
    """The associate with these credentials, or None."""
    associate = _BY_USERNAME.get(username.strip().lower())
    if associate is None or not compare_digest(associate.password.encode(), password.encode()):
        return None
    return associate


def find_associate(context_id: str, associate_id: int) -> DemoAssociate | None:
    return next(
        (a for a in ASSOCIATES if a.context_id == context_id and a.associate_id == associate_id),
        None,
    )


MEETING_TYPES: dict[int, str] = {
    1: "Business meeting",
    2: "Internal meeting",
    3: "Customer visit",
    4: "Presentation",
    5: "Lunch",
}
"""The follow-up dialog's meeting types (SuperOffice's Task list)."""
