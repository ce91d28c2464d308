import Foundation
import Synchronization

/// Where `concurrentMap` runs its work: threads of its own rather than Dispatch's workers, whose
/// 512 KiB stacks are too small for the parsers' and validators' nesting limits in a debug build.
public enum ConcurrentWorkers {
    /// The deepest accepted input of every parser and renderer is tested on a stack of this size.
    public static let stackSize = 16 << 20
}

extension Array where Element: Sendable {
    /// `map` spread over the machine's cores; the order of results matches the input.
    public func concurrentMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        guard count > 1 else { return map(transform) }
        let workers = Swift.min(count, ProcessInfo.processInfo.activeProcessorCount)
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            nonisolated(unsafe) let output = buffer
            withoutActuallyEscaping(transform) { transform in
                let work = SharedWork(transform)
                let done = DispatchGroup()
                for _ in 0..<workers {
                    done.enter()
                    let thread = Thread {
                        // Each worker takes the next unclaimed index, so one slow item does not hold up a share.
                        while case let index = work.claim(), index < count {
                            (output.baseAddress! + index).initialize(to: work.transform!(self[index]))
                        }
                        done.leave()
                    }
                    thread.stackSize = ConcurrentWorkers.stackSize
                    thread.start()
                }
                done.wait()
                // The threads may outlive this call for a moment; the closure must not.
                work.transform = nil
            }
            initialized = count
        }
    }
}

/// The transform and the next unclaimed index, shared by the workers of one `concurrentMap`.
/// `transform` is only written before the workers start and after they have all finished.
private final class SharedWork<Element, T>: @unchecked Sendable {
    var transform: (@Sendable (Element) -> T)?
    private let next = Atomic<Int>(0)

    init(_ transform: @escaping @Sendable (Element) -> T) { self.transform = transform }

    func claim() -> Int { next.add(1, ordering: .relaxed).oldValue }
}
