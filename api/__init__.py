"""HTTP API (FastAPI): batch upload for stations, retrieval for handlers, citizens and the national portal.

The top of the flow: may import every stage, nothing imports it.
"""
