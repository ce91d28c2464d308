#if os(Linux)
import CMalloc
import Glibc
#endif

/// glibc malloc settings for a process that runs for weeks. Measured on the agent benchmark (10,000
/// keys, a release build, docs/benchmarks.md): the live heap of a full reconcile peaks near 50 MB
/// and falls back to ~15 MB, yet RSS climbed to 160 MB and kept climbing, because each thread that
/// allocates (the NIO event loops, the Swift concurrency pool) gets its own arena and the free
/// memory in each stays mapped. Fewer arenas and handing freed pages back after each reconcile
/// keep RSS flat; the threads mostly wait on I/O, so arena contention costs nothing measurable.
public enum Allocator {
    /// Call once at start, before the threads that allocate exist.
    public static func configureForLongRunning() {
        #if os(Linux)
        _ = mallopt(M_ARENA_MAX, 2)
        #endif
    }

    /// Returns the free pages of every arena to the kernel: after a reconcile, whose trees and plans are gone by then.
    public static func releaseFreeMemory() {
        #if os(Linux)
        _ = malloc_trim(0)
        #endif
    }
}
