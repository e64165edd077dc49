/*
 * bench/fabric tap bridge: joins a tap device to a unix stream socket speaking QEMU's
 * stream-netdev framing (4-byte big-endian length + Ethernet frame), one blocking
 * thread per direction, batching frames into large socket reads and writes.
 *
 * Why not QEMU's own `-netdev tap` + `-netdev stream` + two `hubport`s: on QEMU 7.2
 * (Debian 1:7.2+dfsg-7+deb12u18) a partial write on the stream socket returns 0
 * ("queued") to the hub, which ignores it and hands the next, different packet to
 * the stream backend with a stale send offset — the stream corrupts or QEMU aborts
 * with `util/iov.c:269: iov_copy: Assertion 'offset == 0' failed`. Partial writes
 * happen whenever the receiver lags, which at 64 KiB frames (3 frames fill the
 * default 208 KiB socket buffer) is almost at once. A real VM (NIC directly on the
 * stream netdev) is not affected: its queue keeps and retries the packet.
 *
 * Usage (inside the namespace that holds the tap):
 *   tapbridge <tap> connect <socket>     # like -netdev stream,server=off
 *   tapbridge <tap> listen <socket>      # like -netdev stream,server=on (one peer)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FRAME (65535 + 14 + 4)

static int tap_fd, sock_fd;

static void die(const char *what) {
  perror(what);
  exit(1);
}

static int write_all(int fd, const uint8_t *b, size_t n) {
  while (n) {
    ssize_t w = write(fd, b, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    b += w;
    n -= (size_t)w;
  }
  return 0;
}

#define BATCH (256 * 1024)

/*
 * tap → socket: block for one frame, then drain whatever else the tap holds without
 * blocking (poll with zero timeout) into one batch, and write the batch at once —
 * one socket write per burst instead of one per frame.
 */
static void *tap_to_sock(void *arg) {
  (void)arg;
  static uint8_t buf[BATCH + 4 + MAX_FRAME];
  for (;;) {
    size_t at = 0;
    int first = 1;
    while (at < BATCH) {
      if (!first) {
        struct pollfd p = { .fd = tap_fd, .events = POLLIN };
        if (poll(&p, 1, 0) <= 0) break;
      }
      ssize_t n = read(tap_fd, buf + at + 4, MAX_FRAME);
      if (n < 0) {
        if (errno == EINTR) continue;
        die("read tap");
      }
      first = 0;
      uint32_t len = (uint32_t)n;
      buf[at] = len >> 24;
      buf[at + 1] = len >> 16;
      buf[at + 2] = len >> 8;
      buf[at + 3] = len;
      at += 4 + (size_t)n;
    }
    if (write_all(sock_fd, buf, at) < 0) exit(0);
  }
  return NULL;
}

/* socket → tap: read large chunks, cut out every complete frame, one tap write each. */
static void *sock_to_tap(void *arg) {
  (void)arg;
  static uint8_t buf[BATCH + 4 + MAX_FRAME];
  size_t have = 0;
  for (;;) {
    ssize_t r = read(sock_fd, buf + have, sizeof buf - have);
    if (r == 0) exit(0);
    if (r < 0) {
      if (errno == EINTR) continue;
      exit(0);
    }
    have += (size_t)r;
    size_t at = 0;
    while (have - at >= 4) {
      uint32_t len = ((uint32_t)buf[at] << 24) | ((uint32_t)buf[at + 1] << 16) | ((uint32_t)buf[at + 2] << 8) | buf[at + 3];
      if (len > MAX_FRAME) {
        fprintf(stderr, "tapbridge: frame length %u too large\n", len);
        exit(1);
      }
      if (have - at < 4 + len) break;
      if (write(tap_fd, buf + at + 4, len) < 0 && errno != EINVAL && errno != EIO) die("write tap");
      at += 4 + len;
    }
    memmove(buf, buf + at, have - at);
    have -= at;
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <tap> connect|listen <socket>\n", argv[0]);
    return 2;
  }
  tap_fd = open("/dev/net/tun", O_RDWR);
  if (tap_fd < 0) die("open /dev/net/tun");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
  if (ioctl(tap_fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF");
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  strncpy(sa.sun_path, argv[3], sizeof sa.sun_path - 1);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (s < 0) die("socket");
  if (strcmp(argv[2], "listen") == 0) {
    unlink(argv[3]);
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind");
    if (listen(s, 1) < 0) die("listen");
    sock_fd = accept(s, NULL, NULL);
    if (sock_fd < 0) die("accept");
  } else {
    for (int i = 0; connect(s, (struct sockaddr *)&sa, sizeof sa) < 0; i++) {
      if (i > 200) die("connect");
      usleep(10000);
    }
    sock_fd = s;
  }
  pthread_t a, b;
  pthread_create(&a, NULL, tap_to_sock, NULL);
  pthread_create(&b, NULL, sock_to_tap, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  return 0;
}
