"""The JSON API and the dashboard (``frontlens serve``)."""

from frontlens.serve.api import create_app

__all__ = ["create_app"]
