"""One Powertools `Router` per concern; `functions/api/app.py` includes them."""
