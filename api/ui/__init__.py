"""The dashboard: static pages under `/ui/` that read the same JSON API the clients use."""

from __future__ import annotations

from perfledger.api.ui.routes import ui_router

__all__ = ["ui_router"]
