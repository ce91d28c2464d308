#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Publishing

/// The local store's publish lock: an exclusive `flock` on `.kvctl/publish.lock`, which holds the
/// holder's JSON. The kernel drops the lock when its process dies, so a crash never leaves it stale.
final class LocalStoreLock: HeldLock {
    private let descriptor: Int32

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The kernel keeps a file lock for as long as this process lives.
    var isLost: Bool { false }

    func release() async {
        ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

extension LocalStore: LockingStore {
    /// Probes the file lock: taking it at once means nobody holds it.
    public func holder(of key: String) async throws -> LockHolder? {
        let path = folderURL.appendingPathComponent("publish.lock").path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return nil
        }
        return (try? Data(contentsOf: URL(fileURLWithPath: path))).flatMap { LockHolder.decode(Array($0)) }
    }

    public func tryLock(_ key: String, as holder: LockHolder) async throws -> Result<any HeldLock, LockBusy> {
        try prepareFolder()
        let path = folderURL.appendingPathComponent("publish.lock").path
        let descriptor = open(path, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else { throw LocalStoreError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            let current = (try? Data(contentsOf: URL(fileURLWithPath: path))).flatMap { LockHolder.decode(Array($0)) }
            return .failure(LockBusy(holder: current))
        }
        let bytes = holder.encoded()
        ftruncate(descriptor, 0)
        _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return .success(LocalStoreLock(descriptor: descriptor))
    }
}
