"""Shared state for several replicas, through Redis (issue 16); off unless ``REDIS_URL`` is set.

- ``connection``: the one Redis client of the process, its short timeouts and its health
  (down → every user of it falls back to the in-process object for a while).
- ``codec``: what may be stored (JSON, typed msgpack for registered results, Arrow IPC for
  frames; never pickle: a shared store must not be able to run code here).
- ``cache``: the shared response cache and single flight across processes.
- ``slots`` / ``budget``: the per-workspace in-flight gate and Braze rate budget.
"""
