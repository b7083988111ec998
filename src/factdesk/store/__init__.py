"""Stores: where checks, report pages (with every version) and jobs are kept.

`sqlite` is the embedded default; each store registers through the `factdesk.plugins`
entry point and implements `factdesk.protocols.Store`.
"""
