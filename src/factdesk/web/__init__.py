"""The web app: `factdesk serve`, report pages and the JSON API over the CLI's desk and store."""

from factdesk.web.app import create_app

__all__ = ["create_app"]
