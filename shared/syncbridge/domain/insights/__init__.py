"""Pest-control insights: what the sensor and visit history says, beyond single alerts.

Pure computations over histories the services load through ports: service history
(alerts against technician visits), preventive maintenance (health trends), analytics
(seasonality and site risk), monthly reports, usage for billing and the compliance pack.
Nothing here talks to a store, an ERP or a renderer.
"""
