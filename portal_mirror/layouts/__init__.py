"""Layouts: one module per portal platform. A layout turns a site's articles into pages."""
from __future__ import annotations

from portal_mirror.layouts.aspnet import AspNetLayout
from portal_mirror.layouts.legacy import LegacyLayout
from portal_mirror.layouts.liferay import LiferayLayout
from portal_mirror.layouts.newsroom import NewsroomLayout
from portal_mirror.layouts.nukeviet import NukeVietLayout
from portal_mirror.layouts.sharepoint import SharePointLayout

LAYOUTS = {
    "liferay": LiferayLayout(),
    "aspnet": AspNetLayout(),
    "sharepoint": SharePointLayout(),
    "nukeviet": NukeVietLayout(),
    "legacy": LegacyLayout(),
    "newsroom": NewsroomLayout(),
}


def get_layout(name: str):
    try:
        return LAYOUTS[name]
    except KeyError:
        raise KeyError(f"unknown layout {name!r}; known: {sorted(LAYOUTS)}") from None
