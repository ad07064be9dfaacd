"""API routers; every module here that exposes ``router`` is mounted by the app factory."""
