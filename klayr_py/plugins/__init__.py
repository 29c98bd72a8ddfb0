"""Process-isolated plugins: manifests, the plugin SDK, the IPC protocol and the node's host.

Plugin authors use :class:`BasePlugin` and :func:`endpoint` (see docs/plugins.md).
"""

from klayr_py.plugins.sdk import BasePlugin, Metrics, NodeAPI, PluginStorage, endpoint

__all__ = ["BasePlugin", "Metrics", "NodeAPI", "PluginStorage", "endpoint"]
