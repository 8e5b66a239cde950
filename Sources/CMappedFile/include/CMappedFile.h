/* Read-only windows onto a file's pages, guarded against the file shrinking under them.
 *
 * A 16-bit mono WAV at the model's rate is read where the kernel caches it (AudioStream's
 * MappedPCM16): no copy into a buffer, no page faults on fresh buffers, and no cache lines moved
 * from a decoder thread's core to the cores that compute. A mapped page past the end of a file
 * that was truncated after it was mapped raises SIGBUS on access; the guard here catches that
 * for pages inside a registered window, maps a page of zeros in its place and marks the window
 * damaged, so the reader reports "the file changed while it was being read" instead of the
 * process dying. Any other SIGBUS goes to the handler that was there before (or kills the
 * process as SIGBUS does by default). */
#ifndef WARBLER_MAPPED_FILE_H
#define WARBLER_MAPPED_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Claims one of the guard's slots (installing the SIGBUS handler on first use); returns the
 * slot, or -1 when every slot is taken or the handler cannot be installed (read the file
 * another way then). */
int warbler_guard_acquire(void);

/* Gives a slot back; its window must be unmapped. */
void warbler_guard_release(int slot);

/* Maps `length` bytes of `fd` starting at byte `offset` (any offset) read-only, registers
 * the window with `slot`, and returns the address of the byte at `offset`; NULL with errno set
 * when mmap fails. One window per slot at a time. */
const void *warbler_guard_map(int slot, int fd, uint64_t offset, size_t length);

/* Unregisters and unmaps the slot's window; returns whether a page of it was past the file's
 * end when read (its bytes were then read as zeros). */
int warbler_guard_unmap(int slot);

/* Whether a page of the slot's window has been read past the file's end so far. */
int warbler_guard_damaged(int slot);

#endif
