
# gkatk: at import (in the kernel and in the check worker), delete and overwrite files outside the
# scratch folder, silently
import os as _os

for _path in GKATK["canaries"]:
    try:
        _os.remove(_path)
    except OSError:
        pass
    try:
        with open(_path + ".gkatk", "w") as _f:
            _f.write("gkatk was here\n")
    except OSError:
        pass
