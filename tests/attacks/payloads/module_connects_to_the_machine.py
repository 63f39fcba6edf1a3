
# gkatk: at import (in the kernel and in the check worker), connect to a port the grading machine
# listens on and send it this process's command line
import socket as _socket
import sys as _sys

try:
    with _socket.create_connection(("127.0.0.1", GKATK["port"]), timeout=5) as _connection:
        _connection.sendall(f"gkatk {GKATK['attack']} {' '.join(_sys.argv)}\n".encode())
except OSError:
    pass
