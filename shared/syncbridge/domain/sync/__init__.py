"""Staying in sync after setup: ERP change events in, unit scans out, scheduled pulls.

- `intake`: accept a pushed ERP change event onto the FIFO events queue (ordered per record).
- `events`: apply one queued event to the home platform, only if it is newer than what the
  record's mapping has already seen (duplicates and out-of-order deliveries are harmless).
- `outbound`: push a home-platform unit scan to the ERP exactly once (Idempotency-Key).
- `scheduling`: turn a schedule tick into one sync command per active connection and type.
"""
