"""An embedded Braze Export API emulator over real HTTP on loopback.

    url = start_sandbox(seed=7)            # "http://127.0.0.1:PORT", a str
    requests.get(url + "/kpi/dau/data_series", params={"length": 7},
                 headers={"Authorization": "Bearer anything"})
    url.sandbox.inject("/campaigns", 503, times=2)
    url.stop()

Window semantics (the dashboard stitches windows on them):
- Daily series with `length=N` and `ending_at=E` return the N UTC calendar days
  ending with E's UTC date, inclusive, oldest first; `time` is "YYYY-MM-DD".
- Hourly series (`unit=hour`) return the N hours ending with E's UTC hour,
  inclusive; `time` is "YYYY-MM-DDTHH:00:00Z". Hours of one day sum to the day.
- `ending_at` may be a date or a datetime with offset (converted to UTC); a bare
  date means that whole day; no `ending_at` means now. Points after now are
  omitted, so a window reaching into the future is shorter than `length`.
- Canvas: `ending_at` is required; `length` 1-14, or `starting_at` whose date is
  at most 14 days before ending_at's; the days from starting_at's date to
  ending_at's date inclusive.
- /sends/data_series only returns the last 14 days (Braze keeps send analytics
  for 14 days); a send's stats land on its send date.
- Every value is a pure function of (seed, entity, day/hour): overlapping
  windows agree exactly.

Auth: `Authorization: Bearer <key>`; `api_key=None` (the default) accepts any
non-empty token, otherwise only the configured key. `api_key` as a query or
body parameter is refused with 401.
"""

from .plants import CampaignPlant, KpiPlant, Plants, demo_plants
from .server import SANDBOX_API_KEY, RecordedRequest, Sandbox, SandboxURL, start_sandbox
from .workspace import SyntheticWorkspace

__all__ = [
    "SANDBOX_API_KEY",
    "CampaignPlant",
    "KpiPlant",
    "Plants",
    "RecordedRequest",
    "Sandbox",
    "SandboxURL",
    "SyntheticWorkspace",
    "demo_plants",
    "start_sandbox",
]
