"""One class per Braze path group; ``BrazeClient`` exposes an instance of each."""

from braze_api.resources.campaigns import Campaigns
from braze_api.resources.canvas import Canvas
from braze_api.resources.custom_attributes import CustomAttributes
from braze_api.resources.events import Events
from braze_api.resources.feed import Feed
from braze_api.resources.kpi import Kpi
from braze_api.resources.purchases import Purchases
from braze_api.resources.segments import Segments
from braze_api.resources.sends import Sends
from braze_api.resources.sessions import Sessions
from braze_api.resources.users import Users

__all__ = [
    "Campaigns",
    "Canvas",
    "CustomAttributes",
    "Events",
    "Feed",
    "Kpi",
    "Purchases",
    "Segments",
    "Sends",
    "Sessions",
    "Users",
]
