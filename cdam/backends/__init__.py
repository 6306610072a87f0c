"""Node-storage backends: where the memory patterns live and how they are read."""

from .base import Retrieval, StorageBackend
from .slots import DenseSlots

__all__ = ["DenseSlots", "Retrieval", "StorageBackend"]
