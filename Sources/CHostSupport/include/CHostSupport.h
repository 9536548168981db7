#ifndef FNHOST_CHOSTSUPPORT_H
#define FNHOST_CHOSTSUPPORT_H
/*
 * The few system calls whose interfaces are C macros or structs Swift cannot build itself:
 * descriptor passing (CMSG_* macros), signalfd, pipe2 and accept4 (missing from Swift's Glibc module) and the
 * parent-death signal. Everything here returns -1 with errno set on failure, like the calls it wraps.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <signal.h>
#include <spawn.h>

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

/* A pipe whose two ends are close-on-exec from birth (pipe2 with O_CLOEXEC); fds[0] reads, fds[1] writes. */
int fh_pipe_cloexec(int fds[2]);

/* Accepts one connection on a listening socket, close-on-exec from birth (accept4 with SOCK_CLOEXEC,
   which Swift's Glibc module does not export). Retries EINTR; -1 with errno set otherwise. */
int fh_accept_cloexec(int listener);

/* Swaps two paths atomically (renameat2 with RENAME_EXCHANGE; both must exist). ENOSYS or EINVAL
   where the kernel or file system cannot, so the caller falls back to two renames. */
int fh_rename_exchange(const char *first, const char *second);
#endif

/*
 * The scoreboard: one slot per worker process in shared memory (a memfd the master maps and hands
 * to the worker), php-fpm's idea. The worker records each invocation there without a system call;
 * the master reads it to find idle workers, enforce timeouts and answer for a worker that died.
 *
 * Stages, changed only with atomic operations:
 *   FH_STAGE_IDLE     no connection, waiting for a dispatch
 *   FH_STAGE_HOLDING  idle, keeping its last kept-alive connection and serving requests on it directly
 *   FH_STAGE_BUSY     running an invocation
 *   FH_STAGE_RESERVED the master chose it for a dispatch; it must not start a request on its held connection
 *   FH_STAGE_CLAIMING the worker took its held connection (compare-and-swap from HOLDING) and is
 *                     writing the invocation's fields; BUSY follows
 *   FH_STAGE_RESPONDING the worker won the invocation's answer (compare-and-swap from BUSY) and writes it
 *   FH_STAGE_TIMED_OUT  the master won it (compare-and-swap from BUSY, past the timeout): it answers
 *                     504 and kills the worker, which writes nothing more
 * A slot's fields change only once the compare-and-swap that gives the writer the slot succeeded.
 * The stage word also carries a sequence bumped by each invocation, so a compare-and-swap against
 * one invocation's BUSY never succeeds on the next one's.
 */
enum {
    FH_STAGE_IDLE = 0, FH_STAGE_HOLDING = 1, FH_STAGE_BUSY = 2, FH_STAGE_RESERVED = 3, FH_STAGE_CLAIMING = 4,
    FH_STAGE_RESPONDING = 5, FH_STAGE_TIMED_OUT = 6
};

/* Creates a zeroed slot in a new memfd; *fd receives the descriptor (close-on-exec). NULL on failure. */
void *fh_slot_create(int *fd);
/* Maps the slot behind fd (in a worker). NULL on failure. */
void *fh_slot_map(int fd);
void fh_slot_unmap(void *slot);

/* Master: IDLE or HOLDING -> RESERVED. Returns the previous stage, or -1 when the worker is busy or reserved. */
int fh_slot_try_reserve(void *slot);
/* Worker: HOLDING -> CLAIMING -> BUSY, before reading a request on its held connection `connection`,
   starting at monotonic `started_ns` (stored after the claim succeeded and before BUSY, so a BUSY
   stage never shows a stale start). 1 on success, 0 when the master reserved the worker (nothing written). */
int fh_slot_try_claim_held(void *slot, uint64_t connection, uint64_t started_ns);
/* Worker: an invocation starts on connection `connection` (the master's id) at monotonic `started_ns`. */
void fh_slot_begin(void *slot, uint64_t connection, uint64_t started_ns);
/* Worker: what the invocation is (copied into the slot, truncated to fit). */
void fh_slot_describe(void *slot, uint16_t fastcgi_request_id, const char *request_id, const char *method);
/* Worker: the invocation ended; `holding` keeps the connection; `failed` counts an error outcome,
   `slow` one slower than the function's slow threshold. */
void fh_slot_end(void *slot, int holding, int failed, int slow);
/* Worker: BUSY -> IDLE without an invocation (a held connection closed, or a dispatch that carried no
   request). 0 when the master timed the invocation out meanwhile. */
int fh_slot_set_idle(void *slot);
/* Worker: BUSY -> RESPONDING before writing the answer. 0 when the master timed the invocation out
   (TIMED_OUT): the worker must write nothing; the master answers and kills it. */
int fh_slot_begin_response(void *slot);
/* The whole state word (sequence and stage), for fh_slot_try_time_out. */
uint32_t fh_slot_state(const void *slot);
/* Master: BUSY -> TIMED_OUT, only if the state is still exactly `expected` (the same invocation's
   BUSY). 1 when the master now owns the invocation's answer. */
int fh_slot_try_time_out(void *slot, uint32_t expected);

int fh_slot_stage(const void *slot);
uint64_t fh_slot_started(const void *slot);
uint64_t fh_slot_connection(const void *slot);
uint64_t fh_slot_served(const void *slot);
uint64_t fh_slot_failed(const void *slot);
uint64_t fh_slot_slow(const void *slot);
uint16_t fh_slot_fastcgi_request_id(const void *slot);
/* Copies the request id / method (NUL-terminated) into buffer. */
void fh_slot_request_id(const void *slot, char *buffer, size_t capacity);
void fh_slot_method(const void *slot, char *buffer, size_t capacity);
/* Master: ask the worker (1) or stop asking (0) to send "free" after each invocation. */
void fh_slot_set_notify(void *slot, int notify);
int fh_slot_notify(const void *slot);
/* Master: ask the worker to exit after its current invocation instead of serving another (its
   function's code or configuration changed). It also stops claiming its held connection. */
void fh_slot_set_retire(void *slot);
int fh_slot_retire(const void *slot);

/* posix_spawn: close every descriptor >= from in the child (glibc's posix_spawn_file_actions_addclosefrom_np,
   which Swift cannot see without _GNU_SOURCE). Returns 0 or an errno value. */
int fh_spawn_close_from(posix_spawn_file_actions_t *actions, int from);
