#if os(Linux)
import CMalloc
import Glibc
#endif

/// glibc malloc settings for a process that runs for weeks. Measured on the agent benchmark's tree
/// (10,000 keys, release build, full reconciles that publish; docs/benchmarks.md): the live heap of a
/// reconcile peaks near 50 MB and falls back to a few MB, yet RSS climbed from 97 to 178 MB over 12,
/// because freed memory stayed in the arenas: each thread that allocates (NIO event loops, the Swift
/// concurrency pool) gets its own arena, and glibc raises its mmap threshold to the size of any large
/// block freed, so the next store listings and trees (megabytes each) are carved from the arenas and
/// fragment them. Two arenas, a fixed mmap threshold (large blocks are mapped and given back when
/// freed) and a trim after each reconcile keep it flat (56 to 61 MB over 100); the threads mostly wait
/// on I/O, so fewer arenas cost nothing measurable.
public enum Allocator {
    /// Call once at start, before the threads that allocate exist.
    public static func configureForLongRunning() {
        #if os(Linux)
        _ = mallopt(M_ARENA_MAX, 2)
        _ = mallopt(M_MMAP_THRESHOLD, 128 * 1024)
        #endif
    }

    /// Returns the free pages of every arena to the kernel: after a reconcile, whose trees and plans are gone by then.
    public static func releaseFreeMemory() {
        #if os(Linux)
        _ = malloc_trim(0)
        #endif
    }
}
