"""One router per resource, as in FastAPI's "bigger applications" layout."""
