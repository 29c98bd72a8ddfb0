"""The node's side of plugins: discovery, the sandboxed processes, their connections, event
fan-out, requests, storage and endpoints (docs/plugins.md). What runs inside a plugin process, and
the manifest and protocol both sides share, is :mod:`klayr_py.plugins`."""
