"""The community (社区) and its grids (网格)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.models import Community, Grid, Household
from commdesk.changes import Changes


@dataclass(frozen=True)
class GridRow:
    id: int
    code: str
    name: str
    leader: str
    workers: str
    households: int


def get_community(session: Session) -> Community | None:
    return session.scalars(select(Community).where(Community.archived_at.is_(None)).order_by(Community.id)).first()


def is_initialised(session: Session) -> bool:
    return get_community(session) is not None


def create_community(session: Session, name: str, street_office: str = "", district: str = "",
                     grids: list[str] | None = None) -> Changes:
    name = (name or "").strip()
    if not name:
        raise ValidationError("name", _("请填写社区名称"))
    if get_community(session) is not None:
        raise ValidationError("name", _("已经建立了社区，不能重复创建"))
    community = Community(name=name, street_office=street_office.strip(), district=district.strip())
    session.add(community)
    session.flush()
    for i, grid_name in enumerate(g.strip() for g in (grids or []) if g and g.strip()):
        session.add(Grid(community_id=community.id, code=f"{i + 1:02d}", name=grid_name))
    return Changes.of("community", "grid")


def ensure_grid(session: Session, name: str) -> Grid:
    """The grid with this name, created in the community when it does not exist yet."""
    name = name.strip()
    grid = session.scalars(select(Grid).where(Grid.name == name, Grid.archived_at.is_(None))).first()
    if grid is not None:
        return grid
    community = get_community(session)
    if community is None:
        raise ValidationError("grid", _("请先建立社区"))
    count = session.scalar(select(func.count()).select_from(Grid)) or 0
    grid = Grid(community_id=community.id, code=f"{count + 1:02d}", name=name)
    session.add(grid)
    session.flush()
    return grid


def save_grid(session: Session, grid_id: int | None, name: str, leader: str = "", workers: str = "",
              code: str = "") -> Changes:
    name = (name or "").strip()
    if not name:
        raise ValidationError("name", _("请填写网格名称"))
    clash = session.scalars(select(Grid).where(Grid.name == name, Grid.archived_at.is_(None))).first()
    if clash is not None and clash.id != grid_id:
        raise ValidationError("name", _("已有同名网格"))
    if grid_id is None:
        grid = ensure_grid(session, name)
    else:
        grid = session.get_one(Grid, grid_id)
        grid.name = name
    grid.leader = leader.strip()
    grid.workers = workers.strip()
    if code:
        grid.code = code.strip()
    return Changes.of("grid")


def list_grids(session: Session) -> list[GridRow]:
    counts = dict(session.execute(
        select(Household.grid_id, func.count()).where(Household.archived_at.is_(None)).group_by(Household.grid_id)
    ).all())
    grids = session.scalars(select(Grid).where(Grid.archived_at.is_(None)).order_by(Grid.code, Grid.id)).all()
    return [GridRow(g.id, g.code, g.name, g.leader, g.workers, counts.get(g.id, 0)) for g in grids]
