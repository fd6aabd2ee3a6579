"""The Party organisation tree: 党委/党总支 → 党支部 → 党小组, and the grids linked to each branch."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.models import Grid
from commdesk.models.base import now
from commdesk.models.party import ORG_CHILD_KINDS, ORG_KINDS, PartyMember, PartyOrg, PartyOrgGrid
from commdesk.changes import Changes


@dataclass
class OrgNode:
    id: int
    parent_id: int | None
    kind: str
    name: str
    secretary: str
    members: int = 0                       # active members directly in this org (branch or group)
    grids: list[str] = field(default_factory=list)      # "第一网格（网格长 王某）"
    children: list[OrgNode] = field(default_factory=list)

    def walk(self) -> list[OrgNode]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


def org_tree(session: Session) -> list[OrgNode]:
    """The roots (usually one 党委/总支) with their children, in ``sort_order``/name order."""
    orgs = session.scalars(select(PartyOrg).where(PartyOrg.archived_at.is_(None))
                           .order_by(PartyOrg.sort_order, PartyOrg.id)).all()
    branch_counts = dict(session.execute(
        select(PartyMember.org_id, func.count()).where(PartyMember.archived_at.is_(None),
                                                       PartyMember.status.notin_(("已转出", "已去世")))
        .group_by(PartyMember.org_id)).all())
    group_counts = dict(session.execute(
        select(PartyMember.group_id, func.count()).where(PartyMember.archived_at.is_(None),
                                                         PartyMember.group_id.is_not(None),
                                                         PartyMember.status.notin_(("已转出", "已去世")))
        .group_by(PartyMember.group_id)).all())
    grids: dict[int, list[str]] = {}
    for org_id, name, leader in session.execute(select(PartyOrgGrid.org_id, Grid.name, Grid.leader).join(Grid)
                                                .where(Grid.archived_at.is_(None)).order_by(Grid.code, Grid.id)):
        grids.setdefault(org_id, []).append(_("{grid}（网格长 {leader}）").format(grid=name, leader=leader)
                                            if leader else name)
    nodes = {o.id: OrgNode(o.id, o.parent_id, o.kind, o.name, o.secretary,
                           group_counts.get(o.id, 0) if o.kind == "党小组" else branch_counts.get(o.id, 0),
                           grids.get(o.id, [])) for o in orgs}
    roots: list[OrgNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id is not None else None
        (parent.children if parent is not None else roots).append(node)
    return roots


def flat_orgs(session: Session, kinds: tuple[str, ...] = ORG_KINDS) -> list[tuple[int, str, str]]:
    """[(id, kind, name)] in tree order, of the given kinds (for combo boxes)."""
    out: list[tuple[int, str, str]] = []
    for root in org_tree(session):
        out.extend((n.id, n.kind, n.name) for n in root.walk() if n.kind in kinds)
    return out


def branch_of_grid(session: Session, grid_id: int | None) -> int | None:
    if grid_id is None:
        return None
    return session.scalar(select(PartyOrgGrid.org_id).where(PartyOrgGrid.grid_id == grid_id))


def find_org(session: Session, name: str, kind: str | None = None) -> PartyOrg | None:
    q = select(PartyOrg).where(PartyOrg.name == name.strip(), PartyOrg.archived_at.is_(None))
    if kind:
        q = q.where(PartyOrg.kind == kind)
    return session.scalars(q.order_by(PartyOrg.id)).first()


def save_org(session: Session, org_id: int | None, *, name: str, kind: str, parent_id: int | None = None,
             secretary: str = "", sort_order: int | None = None) -> tuple[Changes, int]:
    name = (name or "").strip()
    if not name:
        raise ValidationError("name", _("请填写组织名称"))
    if kind not in ORG_KINDS:
        raise ValidationError("kind", _("组织类别不对"))
    parent = session.get(PartyOrg, parent_id) if parent_id is not None else None
    if parent_id is not None and (parent is None or parent.archived_at is not None):
        raise ValidationError("parent", _("上级组织不存在"))
    if parent is not None and kind not in ORG_CHILD_KINDS[parent.kind]:
        raise ValidationError("kind", _("{parent}下不能设{kind}").format(parent=parent.kind, kind=kind))
    if parent is None and kind in ("党支部", "党小组") and org_id is None:
        root = session.scalar(select(func.count()).select_from(PartyOrg).where(PartyOrg.archived_at.is_(None),
                                                                             PartyOrg.kind.in_(("党委", "党总支"))))
        if root:
            raise ValidationError("parent", _("请选择上级组织"))
    clash = session.scalars(select(PartyOrg).where(PartyOrg.name == name, PartyOrg.archived_at.is_(None))).first()
    if clash is not None and clash.id != org_id:
        raise ValidationError("name", _("已有同名组织"))
    if org_id is None:
        org = PartyOrg(name=name, kind=kind, parent_id=parent_id)
        session.add(org)
        if sort_order is None:
            sort_order = (session.scalar(select(func.max(PartyOrg.sort_order))) or 0) + 1
    else:
        org = session.get_one(PartyOrg, org_id)
        node = parent
        while node is not None:       # no cycles
            if node.id == org_id:
                raise ValidationError("parent", _("不能把组织放到它自己的下级中"))
            node = session.get(PartyOrg, node.parent_id) if node.parent_id is not None else None
        moved = org.parent_id != parent_id
        org.name, org.kind, org.parent_id = name, kind, parent_id
        if moved and kind == "党小组" and parent is not None:
            _move_group_members(session, org_id, parent)
    org.secretary = (secretary or "").strip()
    if sort_order is not None:
        org.sort_order = sort_order
    session.flush()
    return Changes.of("party_org", "party_member", ids=[org.id]), org.id


def _move_group_members(session: Session, group_id: int, branch: PartyOrg) -> None:
    """A Party group moved to another branch takes its members along (each gets a 调整组织 event)."""
    from datetime import date

    from commdesk.services.party_members import add_event

    for member in session.scalars(select(PartyMember).where(PartyMember.group_id == group_id,
                                                            PartyMember.archived_at.is_(None))):
        if member.org_id != branch.id:
            old = session.get(PartyOrg, member.org_id) if member.org_id is not None else None
            add_event(session, member.id, "调整组织", date.today(), old.name if old else "", branch.name,
                      _("党小组调整到{b}").format(b=branch.name))
            member.org_id = branch.id


def archive_org(session: Session, org_id: int) -> Changes:
    org = session.get_one(PartyOrg, org_id)
    children = session.scalar(select(func.count()).select_from(PartyOrg)
                              .where(PartyOrg.parent_id == org_id, PartyOrg.archived_at.is_(None)))
    if children:
        raise ValidationError("org", _("请先撤销或移走下级组织"))
    members = session.scalar(select(func.count()).select_from(PartyMember).where(
        PartyMember.archived_at.is_(None), (PartyMember.org_id == org_id) | (PartyMember.group_id == org_id)))
    if members:
        raise ValidationError("org", _("该组织还有 {n} 名党员，请先调整他们的组织关系").format(n=members))
    org.archived_at = now()
    session.execute(delete(PartyOrgGrid).where(PartyOrgGrid.org_id == org_id))
    return Changes.of("party_org", ids=[org_id])


def link_grids(session: Session, branch_id: int, grid_ids: list[int]) -> Changes:
    """Make ``grid_ids`` exactly the grids of this branch (a grid moves from its old branch)."""
    branch = session.get_one(PartyOrg, branch_id)
    if branch.kind not in ("党支部", "党总支"):
        raise ValidationError("grids", _("只有党支部（党总支）可以联系网格"))
    session.execute(delete(PartyOrgGrid).where(PartyOrgGrid.org_id == branch_id))
    if grid_ids:
        session.execute(delete(PartyOrgGrid).where(PartyOrgGrid.grid_id.in_(grid_ids)))
    for gid in dict.fromkeys(grid_ids):
        session.add(PartyOrgGrid(grid_id=gid, org_id=branch_id))
    session.flush()
    return Changes.of("party_org", "grid")


def ensure_org(session: Session, name: str, kind: str, parent_id: int | None) -> int:
    """The org with this name, created under ``parent_id`` when missing (importer, demo)."""
    org = find_org(session, name)
    if org is not None:
        return org.id
    return save_org(session, None, name=name, kind=kind, parent_id=parent_id)[1]


def ensure_root(session: Session, community_name: str = "") -> int:
    root = session.scalars(select(PartyOrg).where(PartyOrg.parent_id.is_(None), PartyOrg.archived_at.is_(None),
                                                  PartyOrg.kind.in_(("党委", "党总支")))
                           .order_by(PartyOrg.id)).first()
    if root is not None:
        return root.id
    if not community_name:
        from commdesk.services.community import get_community

        c = get_community(session)
        community_name = c.name if c else _("本社区")
    return save_org(session, None, name=_("{c}党委").format(c=community_name), kind="党委")[1]
