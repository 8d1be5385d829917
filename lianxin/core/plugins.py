"""The one shape every app plugs in with: what it contributes to the site, declared in its own `plugin.py`.

An installed Lianxin app may have a module `<app>/plugin.py` holding `PLUGIN = AppPlugin(...)`.
The site level (lianxin/urls.py, lianxin/api.py, the menu, the `worker` command, the
demo seed) reads the plugins of the installed apps, in INSTALLED_APPS order, through
`plugins()`; core never imports an app module by name. Adding an app therefore touches
its own folder and one line of settings.

Everything is referred to by dotted path or URL name, so declaring a plugin imports
nothing heavy and no app has to import another to appear on the site.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps
from django.utils.functional import Promise
from django.utils.module_loading import import_string

PLUGIN_MODULE = "plugin"
LIANXIN_PREFIX = "lianxin."


@dataclass(frozen=True)
class MenuEntry:
    """One link of the main menu: shown to users for whom `shows(user)` is true, sorted by `order`."""

    url_name: str
    label: str | Promise
    shows: Callable[[Any], bool]
    order: int = 100


@dataclass(frozen=True)
class MetricValue:
    """One metric over one period: numerator and (for a share or rate) denominator, both counts or sums.

    For a money metric the numerator is integer fen; for distance, metres; for times, seconds
    (a median is the numerator with denominator None). `record_ids` are the primary keys
    behind the figure (cases, warnings, ...), so a page can link to exactly what was counted.
    """

    numerator: int | float
    denominator: int | None = None
    record_ids: tuple[int, ...] = ()

    @property
    def value(self) -> float | None:
        if self.denominator is None:
            return float(self.numerator)
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class MetricSpec:
    """A headline figure an app contributes to the insights registry.

    compute: dotted path of `compute(*, station, start, end, grid_id=None, with_records=False) -> MetricValue`
    over [start, end) (aware datetimes; the period is chosen in the station's zone by the caller).
    `record_ids` are filled only when with_records is true (a dashboard of 200,000 cases needs counts, not ids).
    records: URL name of the list behind the figure (it takes ?metric=<key>&start=&end=&grid=), or "".
    rows: dotted path of `rows(*, station, ids) -> list[dict]` giving, for the records counted, plain columns
    without personal data ("number", "category", "grid", "status", "at", and "url" of the record's page),
    for the insights records page and its CSV/XLSX exports; "" if the app lists none.
    unit: "count", "share", "fen", "metres" or "seconds". min_sample: below this denominator the
    rate is not shown. The definition is plain words a resident could check.
    additive: true when the value over a period is the sum (numerator and denominator) of its values
    over the pieces of a partition of that period — counts, sums and shares of things fixed by a moment.
    Then insights may add up stored month values instead of recounting (a median or a state at the
    period's end, such as "open now", is not additive). False, the safe default, always recounts.
    """

    key: str
    label: str | Promise
    definition: str | Promise
    compute: str
    unit: str = "count"
    min_sample: int = 0
    higher_is_better: bool = True
    records: str = ""
    rows: str = ""
    additive: bool = False


@dataclass(frozen=True)
class AppPlugin:
    """What one app contributes to the site.

    urls: (path prefix, dotted module of a urlconf with app_name) pairs, mounted under "/".
    api_routers: (path prefix, dotted path of a ninja Router) pairs, mounted under /api/v1/.
    menu: entries of the main menu.
    home: role → URL name of the page where that role's day starts, optionally with a query
    ("cases:inbox?box=unassigned"); the last installed app naming a role wins.
    sweeps: name → dotted path of a callable(now=..., limit=...) -> rows changed, run by `lianxin worker`.
    filing_channels: role → channels a user of that role may file cases through (besides self-service).
    report_pages: role → URL name of the app's own report form, which takes the place of the spine's
    "Report something" form for that role (a lookout's report is a tip: the tips app records it
    as a Tip and opens its case); the spine's form redirects there.
    metrics: the headline figures the app contributes to the insights registry.
    audit_targets: audit record type → dotted path of `labels(*, station_id, ids) -> {id: (label, url)}`,
    so the audit log shows a case's number with a link instead of an internal id.
    on_duty: dotted path of `on_duty(*, station_id, lat, lon, now) -> {user id: metres or None}`: who is
    on duty now by the app's own records (on patrol, on a shift) and how far they are from (lat,
    lon) where a fresh position is known (None otherwise), so an app that dispatches (a fraud
    warning) can send the nearest person on duty without importing the app that knows.
    """

    label: str
    urls: tuple[tuple[str, str], ...] = ()
    api_routers: tuple[tuple[str, str], ...] = ()
    menu: tuple[MenuEntry, ...] = ()
    home: Mapping[str, str] = field(default_factory=dict)
    sweeps: Mapping[str, str] = field(default_factory=dict)
    filing_channels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    report_pages: Mapping[str, str] = field(default_factory=dict)
    metrics: tuple[MetricSpec, ...] = ()
    audit_targets: Mapping[str, str] = field(default_factory=dict)
    on_duty: str = ""
    idempotent_paths: tuple[str, ...] = ()


@cache
def plugins() -> tuple[AppPlugin, ...]:
    """Return the plugins of the installed Lianxin apps, in INSTALLED_APPS order (discovered once)."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith(LIANXIN_PREFIX):
            continue
        module_name = f"{config.name}.{PLUGIN_MODULE}"
        if importlib.util.find_spec(module_name) is None:
            continue
        plugin = importlib.import_module(module_name).PLUGIN
        if not isinstance(plugin, AppPlugin):
            raise TypeError(f"{module_name}.PLUGIN must be an AppPlugin")
        found.append(plugin)
    return tuple(found)


def menu_for(user: Any) -> list[MenuEntry]:
    """Return the menu entries that user may see, in order."""
    entries = [entry for plugin in plugins() for entry in plugin.menu if entry.shows(user)]
    return sorted(entries, key=lambda entry: entry.order)


def home_url_name(role: str, default: str) -> str:
    """Return the URL name of role's landing page, as the last installed app that names the role says.

    The spine (cases) names a page for every role; a specialist app installed after it
    (INSTALLED_APPS order) moves a role's day to its own page, e.g. a volunteer's warnings.
    """
    for plugin in reversed(plugins()):
        if role in plugin.home:
            return plugin.home[role]
    return default


def filing_channels(role: str) -> tuple[str, ...]:
    """Return the channels a role may file cases through, gathered from every app."""
    channels: list[str] = []
    for plugin in plugins():
        channels.extend(c for c in plugin.filing_channels.get(role, ()) if c not in channels)
    return tuple(channels)


def report_page(role: str) -> str:
    """Return the URL name of the report form an app gives role instead of the spine's, or "" (the last app wins)."""
    for plugin in reversed(plugins()):
        if role in plugin.report_pages:
            return plugin.report_pages[role]
    return ""


def on_duty_near(*, station_id: int, lat: float | None, lon: float | None, now: Any) -> dict[int, float | None]:
    """Return {user id: metres from (lat, lon), or None where unknown} of everyone on duty now, by every app.

    A user on duty by two apps' records keeps the shorter known distance.
    """
    found: dict[int, float | None] = {}
    for plugin in plugins():
        if not plugin.on_duty:
            continue
        for user_id, metres in import_string(plugin.on_duty)(station_id=station_id, lat=lat, lon=lon, now=now).items():
            known = found.get(user_id)
            if user_id not in found or (metres is not None and (known is None or metres < known)):
                found[user_id] = metres
    return found


def sweeps() -> dict[str, Callable[..., int]]:
    """Return every app's worker sweeps by name (name clashes are an error)."""
    found: dict[str, Callable[..., int]] = {}
    for plugin in plugins():
        for name, path in plugin.sweeps.items():
            if name in found:
                raise ValueError(f"two apps declare the sweep {name!r}")
            found[name] = import_string(path)
    return found


def metric_specs() -> list[MetricSpec]:
    """Return every app's metrics, in INSTALLED_APPS order (key clashes are an error)."""
    found: dict[str, MetricSpec] = {}
    for plugin in plugins():
        for spec in plugin.metrics:
            if spec.key in found:
                raise ValueError(f"two apps declare the metric {spec.key!r}")
            found[spec.key] = spec
    return list(found.values())


def audit_target_labels(*, station_id: int | None, targets: list[tuple[str, str]]) -> dict[tuple[str, str], tuple]:
    """Return {(record type, id): (label, url)} for the audit rows' targets that an app can name."""
    by_type: dict[str, set[str]] = {}
    for target_type, target_id in targets:
        by_type.setdefault(target_type, set()).add(target_id)
    found: dict[tuple[str, str], tuple] = {}
    for plugin in plugins():
        for target_type, path in plugin.audit_targets.items():
            ids = by_type.get(target_type)
            if ids:
                labels = import_string(path)(station_id=station_id, ids=sorted(ids))
                found.update({(target_type, str(key)): value for key, value in labels.items()})
    return found
