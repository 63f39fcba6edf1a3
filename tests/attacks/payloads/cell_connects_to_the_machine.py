# gkatk: connect to a port the grading machine listens on, and send it a message
import socket

with socket.create_connection(("127.0.0.1", GKATK["port"]), timeout=5) as connection:  # raises when unreachable
    connection.sendall(f"gkatk {GKATK['attack']}\n".encode())
