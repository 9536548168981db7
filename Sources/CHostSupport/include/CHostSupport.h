#ifndef FNHOST_CHOSTSUPPORT_H
#define FNHOST_CHOSTSUPPORT_H
/*
 * The few system calls whose interfaces are C macros or structs Swift cannot build itself:
 * descriptor passing (CMSG_* macros), signalfd (missing from Swift's Glibc module) and the
 * parent-death signal. Everything here returns -1 with errno set on failure, like the calls it wraps.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <signal.h>

/* Sends `length` bytes and, when fd >= 0, the descriptor `fd` (SCM_RIGHTS) on a unix socket. */
ssize_t fh_send_with_fd(int socket, const void *bytes, size_t length, int fd);

/* Receives one message; a passed descriptor (close-on-exec) goes to *fd, else *fd = -1. 0 = peer closed. */
ssize_t fh_receive_with_fd(int socket, void *bytes, size_t capacity, int *fd);

/* Opens a non-blocking, close-on-exec signalfd for the given signals (which the caller has blocked). */
int fh_signalfd_open(const sigset_t *signals);

/* Reads one pending signal number from a signalfd, 0 when none is pending, -1 on error. */
int fh_signalfd_read(int fd);

/* Asks the kernel to send SIGKILL to this process when its parent dies (Linux only; 0 elsewhere). */
int fh_die_with_parent(void);

/* The process's resident set size in bytes, from /proc/self/statm; -1 when unknown. */
long long fh_resident_bytes(void);
#endif
