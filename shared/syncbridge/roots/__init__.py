"""Composition roots: the only modules that name concrete adapters and stores.

One root per product line — `keg` (Ekos connections, guided setup, staying in sync),
`pest` (Odoo inspection points <-> Microshare devices), `insights` (pest-control history
and reports) — each reading the environment through one `settings.Settings` model.
Handlers and API routes call a root's factories; domain services take their ports as
arguments and never reach for production wiring; tests build the services from fakes.
"""
