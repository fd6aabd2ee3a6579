"""The store: SQLAlchemy 2.0 typed models, the engine/session factory and migrations. No Qt."""
from commdesk.models.base import Base, acting_user
from commdesk.models.community import Community, Grid
from commdesk.models.household import Household, Resident, ResidentEvent
from commdesk.models.audit import AuditEntry
from commdesk.models.account import Account
from commdesk.models.settings import Setting
from commdesk.models.import_batch import ImportBatch, ImportBatchChange
from commdesk.models import party  # noqa: F401  (Party organisation, members, center households, visits)
from commdesk.models import meeting  # noqa: F401  (meetings, attendance, consultations, checklists, attachments)

__all__ = [
    "Base", "acting_user", "Community", "Grid", "Household", "Resident", "ResidentEvent",
    "AuditEntry", "Account", "Setting", "ImportBatch", "ImportBatchChange",
]

# Register the search-index session hooks wherever the models are used.
import commdesk.models.search_index  # noqa: E402,F401  (side effect: event listeners)
