"""Checks run as jobs: asked for over the web or the API, run by a queue backend."""
