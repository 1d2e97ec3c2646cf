"""The embedded local runtime: moto, the API, queue pollers, schedules and simulators.

Runs the same handlers AWS runs, driven the way AWS drives them, on this machine.
"""
