/* See include/CMappedFile.h. */
#define _GNU_SOURCE
#include "CMappedFile.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SLOTS 64

/* A window is [start, end) while registered; start 0 means none. The handler reads these
 * with atomic loads only (it may run on any thread, in the middle of anything). */
static _Atomic uintptr_t window_start[SLOTS];
static _Atomic uintptr_t window_end[SLOTS];
static _Atomic int window_damaged[SLOTS];
static _Atomic int slot_taken[SLOTS];
/* The mapping itself (page-aligned), for munmap. */
static void *mapping_base[SLOTS];
static size_t mapping_length[SLOTS];

static uintptr_t page_size;
static struct sigaction previous_action;
static _Atomic int installed; /* 0 no, 1 installing, 2 yes, -1 failed */

static void on_sigbus(int sig, siginfo_t *info, void *context) {
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t start = atomic_load(&window_start[i]);
        if (start == 0 || address < start || address >= atomic_load(&window_end[i])) continue;
        /* A page of this window lies past the file's end: read zeros there and say so. */
        void *page = (void *)(address & ~(page_size - 1));
        if (mmap(page, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
            atomic_store(&window_damaged[i], 1);
            return;
        }
        break;
    }
    /* Not ours: whatever handled SIGBUS before (the Swift runtime's backtracer, say), else the
     * default action, which the faulting instruction meets again on return. */
    if ((previous_action.sa_flags & SA_SIGINFO) && previous_action.sa_sigaction) {
        previous_action.sa_sigaction(sig, info, context);
        return;
    }
    if (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN) {
        previous_action.sa_handler(sig);
        return;
    }
    signal(SIGBUS, SIG_DFL);
}

static int install(void) {
    int expected = 0;
    if (atomic_compare_exchange_strong(&installed, &expected, 1)) {
        page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = on_sigbus;
        action.sa_flags = SA_SIGINFO;
        sigemptyset(&action.sa_mask);
        atomic_store(&installed, sigaction(SIGBUS, &action, &previous_action) == 0 ? 2 : -1);
    }
    while (atomic_load(&installed) == 1) {}
    return atomic_load(&installed) == 2;
}

int warbler_guard_acquire(void) {
    if (!install()) return -1;
    for (int i = 0; i < SLOTS; i++) {
        int free_slot = 0;
        if (atomic_compare_exchange_strong(&slot_taken[i], &free_slot, 1)) return i;
    }
    return -1;
}

void warbler_guard_release(int slot) {
    if (slot < 0 || slot >= SLOTS) return;
    warbler_guard_unmap(slot);
    atomic_store(&slot_taken[slot], 0);
}

const void *warbler_guard_map(int slot, int fd, uint64_t offset, size_t length) {
    if (slot < 0 || slot >= SLOTS || length == 0 || mapping_base[slot] != NULL) {
        errno = EINVAL;
        return NULL;
    }
    uint64_t aligned = offset & ~(uint64_t)(page_size - 1);
    size_t lead = (size_t)(offset - aligned);
    if (length > SIZE_MAX - lead) {
        errno = EOVERFLOW;
        return NULL;
    }
    void *base = mmap(NULL, lead + length, PROT_READ, MAP_SHARED, fd, (off_t)aligned);
    if (base == MAP_FAILED) return NULL;
    mapping_base[slot] = base;
    mapping_length[slot] = lead + length;
    atomic_store(&window_damaged[slot], 0);
    atomic_store(&window_end[slot], (uintptr_t)base + lead + length);
    atomic_store(&window_start[slot], (uintptr_t)base);
    return (const char *)base + lead;
}

int warbler_guard_unmap(int slot) {
    if (slot < 0 || slot >= SLOTS || mapping_base[slot] == NULL) return 0;
    atomic_store(&window_start[slot], 0);
    atomic_store(&window_end[slot], 0);
    munmap(mapping_base[slot], mapping_length[slot]);
    mapping_base[slot] = NULL;
    mapping_length[slot] = 0;
    return atomic_load(&window_damaged[slot]);
}

int warbler_guard_damaged(int slot) {
    if (slot < 0 || slot >= SLOTS) return 0;
    return atomic_load(&window_damaged[slot]);
}
