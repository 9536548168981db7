#define _GNU_SOURCE
#include "CHostSupport.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct {
    _Atomic uint32_t stage;
    _Atomic uint32_t notify;
    _Atomic uint32_t retire;
    _Atomic uint64_t started_ns;
    _Atomic uint64_t connection;
    _Atomic uint64_t served;
    _Atomic uint64_t failed;
    _Atomic uint64_t slow;
    _Atomic uint32_t fastcgi_request_id;
    char request_id[48];
    char method[24];
} fh_slot;

void *fh_slot_create(int *fd) {
    *fd = -1;
#ifdef __linux__
    int descriptor = memfd_create("fnhost-scoreboard", MFD_CLOEXEC);
#else
    int descriptor = -1;
#endif
    if (descriptor < 0) return NULL;
    if (ftruncate(descriptor, (off_t)sizeof(fh_slot)) != 0) { close(descriptor); return NULL; }
    void *slot = mmap(NULL, sizeof(fh_slot), PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0);
    if (slot == MAP_FAILED) { close(descriptor); return NULL; }
    memset(slot, 0, sizeof(fh_slot));
    *fd = descriptor;
    return slot;
}

void *fh_slot_map(int fd) {
    void *slot = mmap(NULL, sizeof(fh_slot), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    return slot == MAP_FAILED ? NULL : slot;
}

void fh_slot_unmap(void *slot) {
    if (slot != NULL) munmap(slot, sizeof(fh_slot));
}

/* The state word: the invocation sequence (bits 8 and up, bumped each time an invocation starts)
   and the stage (low 8 bits). Every compare-and-swap compares both, so a master that read BUSY for
   one invocation can never act on the next one (no ABA). */
#define STAGE_OF(state) ((state) & 0xffu)
#define WITH_STAGE(state, stage) (((state) & ~0xffu) | (uint32_t)(stage))
#define NEXT_BUSY(state) ((((state) & ~0xffu) + 0x100u) | (uint32_t)FH_STAGE_BUSY)

int fh_slot_try_reserve(void *raw) {
    fh_slot *slot = raw;
    uint32_t state = atomic_load(&slot->stage);
    for (;;) {
        uint32_t stage = STAGE_OF(state);
        if (stage != FH_STAGE_HOLDING && stage != FH_STAGE_IDLE) return -1;
        if (atomic_compare_exchange_weak(&slot->stage, &state, WITH_STAGE(state, FH_STAGE_RESERVED))) return (int)stage;
    }
}

/* A new invocation's fields, written while no one else may act on the slot (RESERVED for this
   worker's dispatch, or CLAIMING after its own compare-and-swap), before its stage says BUSY. */
static void reset_invocation(fh_slot *slot, uint64_t connection, uint64_t started_ns) {
    slot->request_id[0] = 0;
    slot->method[0] = 0;
    atomic_store(&slot->fastcgi_request_id, 1);
    atomic_store(&slot->connection, connection);
    atomic_store(&slot->started_ns, started_ns);
}

int fh_slot_try_claim_held(void *raw, uint64_t connection, uint64_t started_ns) {
    fh_slot *slot = raw;
    uint32_t state = atomic_load(&slot->stage);
    if (STAGE_OF(state) != FH_STAGE_HOLDING) return 0;
    if (!atomic_compare_exchange_strong(&slot->stage, &state, WITH_STAGE(state, FH_STAGE_CLAIMING))) return 0;
    reset_invocation(slot, connection, started_ns);
    atomic_store(&slot->stage, NEXT_BUSY(state));
    return 1;
}

void fh_slot_begin(void *raw, uint64_t connection, uint64_t started_ns) {
    fh_slot *slot = raw;
    uint32_t state = atomic_load(&slot->stage);
    reset_invocation(slot, connection, started_ns);
    atomic_store(&slot->stage, NEXT_BUSY(state));
}

/* BUSY -> another stage, unless the master took the invocation (TIMED_OUT). */
static int leave_busy(fh_slot *slot, uint32_t stage) {
    uint32_t state = atomic_load(&slot->stage);
    for (;;) {
        if (STAGE_OF(state) != FH_STAGE_BUSY) return 0;
        if (atomic_compare_exchange_weak(&slot->stage, &state, WITH_STAGE(state, stage))) return 1;
    }
}

int fh_slot_begin_response(void *raw) { return leave_busy(raw, FH_STAGE_RESPONDING); }

uint32_t fh_slot_state(const void *raw) { return atomic_load(&((fh_slot *)raw)->stage); }

int fh_slot_try_time_out(void *raw, uint32_t expected) {
    fh_slot *slot = raw;
    if (STAGE_OF(expected) != FH_STAGE_BUSY) return 0;
    return atomic_compare_exchange_strong(&slot->stage, &expected, WITH_STAGE(expected, FH_STAGE_TIMED_OUT)) ? 1 : 0;
}

static void copy_text(char *target, size_t capacity, const char *source) {
    size_t length = source == NULL ? 0 : strnlen(source, capacity - 1);
    if (length > 0) memcpy(target, source, length);
    target[length] = 0;
}

void fh_slot_describe(void *raw, uint16_t fastcgi_request_id, const char *request_id, const char *method) {
    fh_slot *slot = raw;
    copy_text(slot->request_id, sizeof slot->request_id, request_id);
    copy_text(slot->method, sizeof slot->method, method);
    atomic_store(&slot->fastcgi_request_id, fastcgi_request_id);
}

void fh_slot_end(void *raw, int holding, int failed, int slow) {
    fh_slot *slot = raw;
    atomic_fetch_add(&slot->served, 1);
    if (failed) atomic_fetch_add(&slot->failed, 1);
    if (slow) atomic_fetch_add(&slot->slow, 1);
    uint32_t state = atomic_load(&slot->stage);
    atomic_store(&slot->stage, WITH_STAGE(state, holding ? FH_STAGE_HOLDING : FH_STAGE_IDLE));
}

int fh_slot_set_idle(void *raw) { return leave_busy(raw, FH_STAGE_IDLE); }

int fh_slot_stage(const void *raw) { return (int)STAGE_OF(atomic_load(&((fh_slot *)raw)->stage)); }
uint64_t fh_slot_started(const void *raw) { return atomic_load(&((fh_slot *)raw)->started_ns); }
uint64_t fh_slot_connection(const void *raw) { return atomic_load(&((fh_slot *)raw)->connection); }
uint64_t fh_slot_served(const void *raw) { return atomic_load(&((fh_slot *)raw)->served); }
uint64_t fh_slot_failed(const void *raw) { return atomic_load(&((fh_slot *)raw)->failed); }
uint64_t fh_slot_slow(const void *raw) { return atomic_load(&((fh_slot *)raw)->slow); }
uint16_t fh_slot_fastcgi_request_id(const void *raw) {
    return (uint16_t)atomic_load(&((fh_slot *)raw)->fastcgi_request_id);
}

void fh_slot_request_id(const void *raw, char *buffer, size_t capacity) {
    const fh_slot *slot = raw;
    copy_text(buffer, capacity, slot->request_id);
}

void fh_slot_method(const void *raw, char *buffer, size_t capacity) {
    const fh_slot *slot = raw;
    copy_text(buffer, capacity, slot->method);
}

void fh_slot_set_notify(void *raw, int notify) { atomic_store(&((fh_slot *)raw)->notify, notify ? 1 : 0); }
int fh_slot_notify(const void *raw) { return (int)atomic_load(&((fh_slot *)raw)->notify); }
void fh_slot_set_retire(void *raw) { atomic_store(&((fh_slot *)raw)->retire, 1); }
int fh_slot_retire(const void *raw) { return (int)atomic_load(&((fh_slot *)raw)->retire); }
