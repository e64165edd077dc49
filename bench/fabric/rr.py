"""bench/fabric TCP_RR: one-byte request/response ping-pong over one TCP connection.

A blocking-socket loop (TCP_NODELAY) so the measuring tool adds as little latency
as possible; the fabric under test sits between client and server.

  python3 rr.py server PORT            # echo one byte per request, forever
  python3 rr.py client HOST PORT SECS  # prints "<transactions/s> <mean µs>"
"""
import socket
import sys
import time


def server(port: int) -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(8)
    while True:
        c, _ = s.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            b = c.recv(1)
            if not b:
                break
            c.sendall(b)
        c.close()


def client(host: str, port: int, secs: float) -> None:
    c = socket.create_connection((host, port), timeout=10)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for _ in range(200):  # warm-up
        c.sendall(b"x")
        c.recv(1)
    n = 0
    start = time.perf_counter()
    end = start + secs
    while True:
        c.sendall(b"x")
        if not c.recv(1):
            raise SystemExit("connection closed")
        n += 1
        if n % 64 == 0 and time.perf_counter() >= end:
            break
    elapsed = time.perf_counter() - start
    c.close()
    print(f"{n / elapsed:.1f} {elapsed / n * 1e6:.1f}")


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(int(sys.argv[2]))
    else:
        client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
