# gkatk: look for a route to a public address. A UDP connect() sends nothing: it only asks the
# kernel for a route (203.0.113.7 is a documentation address, TEST-NET-3).
import socket

probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
probe.connect(("203.0.113.7", 53))  # raises when there is no route
print("gkatk: a route to 203.0.113.7 exists, from", probe.getsockname())
