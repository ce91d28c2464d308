import Foundation

/// Who holds a publish lock, the JSON value of `<meta-prefix><name>/lock` (or of the local store's
/// lock file): enough for a waiting publisher to name them.
public struct LockHolder: Codable, Sendable, Equatable, CustomStringConvertible {
    /// `user@host`.
    public var holder: String
    public var pid: Int32
    /// ISO 8601, UTC.
    public var since: String
    /// What it is doing, e.g. `publish v1.2.0`.
    public var operation: String
    /// The Consul session holding the lock; nil in the local store.
    public var session: String?
    /// Who, as git names them (`Name <email>`); absent in locks of kvctl before 0.2.
    public var identity: String?

    public init(holder: String, pid: Int32, since: String, operation: String, session: String? = nil, identity: String? = nil) {
        self.holder = holder
        self.pid = pid
        self.since = since
        self.operation = operation
        self.session = session
        self.identity = identity
    }

    /// This process, about to do `operation` for `identity` (git's committer identity, when there is one).
    public static func current(_ operation: String, identity: String? = nil) -> LockHolder {
        LockHolder(holder: account, pid: ProcessInfo.processInfo.processIdentifier,
                   since: ISO8601DateFormatter().string(from: Date()), operation: operation,
                   identity: identity == account ? nil : identity)
    }

    /// `user@host`: `$USER`, `$LOGNAME`, else the account of this process's uid (as git's ident.c falls
    /// back to getpwuid), else `uid-N`; the host name, else `localhost`. Never `unknown`.
    public static var account: String {
        let info = ProcessInfo.processInfo
        func set(_ name: String) -> String? { info.environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let user = set("USER") ?? set("LOGNAME") ?? getpwuid(getuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
            ?? "uid-\(getuid())"
        let host = info.hostName.isEmpty ? "localhost" : info.hostName
        return "\(user)@\(host)"
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    public static func decode(_ bytes: [UInt8]) -> LockHolder? {
        try? JSONDecoder().decode(LockHolder.self, from: Data(bytes))
    }

    public var description: String {
        (identity.map { "\($0) (\(holder), " } ?? "\(holder) (") + "pid \(pid), \(operation)) since \(since)"
    }
}

extension LockHolder {
    /// The most a holder's description may take to go in a publish's first transaction (`PendingLock`):
    /// the planner keeps room for it there; a longer one takes the lock with a request of its own.
    public static let transactionBytes = 1024
}

/// A lock this process holds until `release()`.
public protocol HeldLock: Sendable {
    /// True once the lock can no longer be vouched for (its Consul session could not be renewed):
    /// another publisher may hold it now, so a publish must stop before its next transaction.
    var isLost: Bool { get }
    func release() async
}

/// A store that serialises publishers: Consul with a session lock, the local store with a lock file.
/// A holder that dies loses the lock (its session lapses, or the kernel drops its file lock).
public protocol LockingStore: KVStore {
    /// Takes the lock at `key` once, without waiting; `LockBusy` names the holder when someone else has it.
    func tryLock(_ key: String, as holder: LockHolder) async throws -> Result<any HeldLock, LockBusy>
    /// Who holds the lock at `key` right now, without taking it; nil when it is free.
    func holder(of key: String) async throws -> LockHolder?
}

/// A lock whose session exists but which the first write transaction takes, with the writes: both or
/// neither (Consul's `/v1/txn` verb `lock`, developer.hashicorp.com/consul/api-docs/txn). Taking it
/// costs no request of its own.
public protocol PendingLock: HeldLock {
    /// False until a transaction took it (or for a lock taken on its own).
    var isTaken: Bool { get }
    /// Applies `operations` and takes the lock in one transaction. `LockBusy` when another holder has
    /// it (nothing applied); otherwise as `KVStore.apply`, a conflict indexed in `operations`.
    func applyTaking(_ operations: [StoreOperation]) async throws
}

/// A store whose publish lock a write transaction can take (see `PendingLock`).
public protocol TransactionLockingStore: LockingStore {
    /// A session for the lock at `key`, not holding it yet.
    func pendingLock(_ key: String, as holder: LockHolder) async throws -> any PendingLock
}

/// Someone else holds the lock.
public struct LockBusy: Error, Sendable {
    public let holder: LockHolder?
    public init(holder: LockHolder?) { self.holder = holder }
}

/// The lock stayed taken for the whole `--lock-timeout`.
public struct LockTimeout: Error, Sendable, CustomStringConvertible {
    public let key: String
    public let holder: LockHolder?
    public let waited: Duration

    public var description: String {
        let seconds = Double(waited.components.seconds) + Double(waited.components.attoseconds) / 1e18
        return "another kvctl holds the lock \(key): \(holder?.description ?? "holder unknown"); gave up after waiting "
            + "\(seconds.formatted(.number.precision(.fractionLength(0...1))))s (--lock-timeout)"
    }
}

/// Waits for a store's publish lock, polling, until `timeout`.
public struct PublishLock: Sendable {
    public let store: any LockingStore
    public let key: String
    public var poll: Duration = .milliseconds(250)

    public init(store: any LockingStore, key: String) {
        self.store = store
        self.key = key
    }

    /// `waiting` is called once, with the holder, when the lock is not free at first.
    public func acquire(as holder: LockHolder, timeout: Duration, waiting: (LockHolder?) -> Void = { _ in }) async throws -> any HeldLock {
        let clock = ContinuousClock(), deadline = clock.now + timeout
        var announced = false
        while true {
            switch try await store.tryLock(key, as: holder) {
            case .success(let lock): return lock
            case .failure(let busy):
                guard clock.now < deadline else { throw LockTimeout(key: key, holder: busy.holder, waited: timeout) }
                if !announced { waiting(busy.holder) }
                announced = true
                try await Task.sleep(for: min(poll, deadline - clock.now))
            }
        }
    }
}

/// A store with access rules that can refuse a write part-way through a multi-transaction publish.
/// Checking every planned key first keeps "nothing written" true when the token lacks a right.
public protocol WriteAccessChecking: KVStore {
    /// Throws the store's permission error, naming the keys, when any of them may not be written;
    /// writes nothing. `groups` are the keys of each planned transaction.
    func checkWriteAccess(_ groups: [[String]]) async throws
}
