#define _GNU_SOURCE
#include "CHostSupport.h"

#include <errno.h>
#include <sys/socket.h>

int fh_accept_cloexec(int listener) {
    int connection;
    do {
        connection = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    } while (connection < 0 && errno == EINTR);
    return connection;
}
