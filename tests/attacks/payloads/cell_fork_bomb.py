# gkatk: fork bomb, bounded at 1000 processes (each one a sleep titled GKATK['title'])
import os

started, error = 0, None
for _ in range(1000):
    try:
        pid = os.fork()
    except OSError as exc:
        error = exc
        break
    if pid == 0:
        try:
            os.execv("/bin/sleep", [GKATK["title"], "900"])
        finally:
            os._exit(0)
    started += 1
print(f"{started} processes started")
if error is not None:
    raise error
