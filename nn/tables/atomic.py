"""Writing a file so that readers see the old contents or the new, never half of the new.

The writer itself lives in ``autograd.files`` (graph images use it too); see there for what
happens when the path is a symlink, a device, a pipe or a directory.
"""

from autograd.files import NotAFileError, atomic_write_bytes, atomic_write_text

__all__ = ["NotAFileError", "atomic_write_bytes", "atomic_write_text"]
