"""Server-rendered web pages for counters, case handlers, citizens, managers and the public, in Vietnamese.

`web.app.install(app)` adds them to the API's FastAPI app; the composition root (`runtime.app`) calls it.
"""
