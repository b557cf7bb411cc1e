# A banner service for tests/version/:
#   banner_server.py ADDRESS PORT            one no nmap match line knows (the service
#                                            fingerprint): a banner with bytes that need escaping;
#                                            answers the first thing it reads with one line and
#                                            hangs up (each probe after the NULL probe ends at once)
#   banner_server.py ADDRESS PORT BANNER     sends BANNER and CRLF, hangs up
import socket
import sys
import threading

BANNER = sys.argv[3].encode() + b"\r\n" if len(sys.argv) > 3 else b"PWTEST ready \x01\x00\x02 [v=1] (x)\r\n"


def serve(conn):
    try:
        conn.sendall(BANNER)
        data = conn.recv(4096) if len(sys.argv) <= 3 else b""
        if data:
            conn.sendall(b"ERR what? " + data[:20] + b"\r\n")
    except OSError:
        pass
    conn.close()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((sys.argv[1], int(sys.argv[2])))
listener.listen(16)
while True:
    c, _ = listener.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
