# python3's http.server inside TLS (a self-signed certificate), for tests/version/:
#   tls_http_server.py ADDRESS PORT CERT KEY ROOT
# The handshake happens in the request's thread (do_handshake_on_connect=False), so a client
# that connects and says nothing (-sV's NULL probe) holds up no one else.
import http.server
import ssl
import sys

addr, port, cert, key, root = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]


def handler(*args, **kwargs):
    return http.server.SimpleHTTPRequestHandler(*args, directory=root, **kwargs)


server = http.server.ThreadingHTTPServer((addr, port), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
server.serve_forever()
