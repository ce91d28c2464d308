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
            let next = NextIndex()
            withoutActuallyEscaping(transform) { transform in
                let done = DispatchGroup()
                for _ in 0..<workers {
                    done.enter()
                    let thread = Thread {
                        // Each worker takes the next unclaimed index, so one slow item does not hold up a share.
                        while case let index = next.claim(), index < count {
                            (output.baseAddress! + index).initialize(to: transform(self[index]))
                        }
                        done.leave()
                    }
                    thread.stackSize = ConcurrentWorkers.stackSize
                    thread.start()
                }
                done.wait()
            }
            initialized = count
        }
    }
}

private final class NextIndex: Sendable {
    private let value = Atomic<Int>(0)

    func claim() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
