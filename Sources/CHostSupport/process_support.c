#define _GNU_SOURCE
#include "CHostSupport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int fh_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int fh_rename_exchange(const char *first, const char *second) {
#ifdef RENAME_EXCHANGE
    return renameat2(AT_FDCWD, first, AT_FDCWD, second, RENAME_EXCHANGE);
#else
    errno = ENOSYS;
    return -1;
#endif
}
