"""Prints, as JSON, what the running interpreter is: implementation, version and whether it is
a free-threaded build.

Used by `xtask/src/pythons.rs` to learn which wheel an interpreter builds and installs: the
project environment's own, and any the user names with `cargo xtask build --python PATH`.
"""

import json
import sys
import sysconfig

print(
    json.dumps(
        {
            "implementation": sys.implementation.name,
            "major": sys.version_info.major,
            "minor": sys.version_info.minor,
            "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        }
    )
)
