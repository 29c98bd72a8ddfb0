"""Process-isolated plugins, the plugin process's side: the SDK, the manifest and the IPC protocol.

Plugin authors use :class:`BasePlugin` and :func:`endpoint` (see docs/plugins.md).
"""

from klayr_py.plugins.sdk import BasePlugin, Metrics, NodeAPI, PluginStorage, endpoint

__all__ = ["BasePlugin", "Metrics", "NodeAPI", "PluginStorage", "endpoint"]
