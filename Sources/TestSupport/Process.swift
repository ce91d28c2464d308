import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct ProcessResult: Sendable {
    public let status: Int32
    public let output: [UInt8]
    public let standardError: String
    /// Wall time from spawn to exit.
    public let seconds: Double
    /// The child's peak resident set (wait4's ru_maxrss), in bytes.
    public let peakMemoryBytes: Int
    /// The child's CPU time, user and system (wait4's rusage): unlike wall time, it does not grow
    /// while the child waits for a core other tests hold.
    public let cpuSeconds: Double
    public var standardOutput: String { String(decoding: output, as: UTF8.self) }
}

/// A spawned program outlived its ceiling and was killed: a hang, not an answer.
public struct ProcessTimeout: Error, CustomStringConvertible {
    public let command: String
    public let seconds: Double
    public var description: String { "\(command) was still running after \(seconds) s and was killed" }
}

/// Every test process gets a ceiling, so a hang fails its test instead of stalling the suite.
public let defaultProcessTimeout: Double = 300

/// Runs a program to completion, capturing both streams (read concurrently so neither pipe fills up).
/// Spawned with posix_spawn and reaped with wait4, so the peak memory of the child itself is known;
/// killed (SIGKILL) and reported as `ProcessTimeout` after `timeout` seconds.
public func run(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                environment: [String: String]? = nil, input: [UInt8]? = nil,
                timeout: Double = defaultProcessTimeout) throws -> ProcessResult {
    try SpawnedProcess(executable, arguments, in: directory, environment: environment, input: input, timeout: timeout).wait()
}

/// A program running in the background (a publish to kill part-way, say), with the same ceiling as
/// `run`: `wait()` kills it once `timeout` seconds have passed since it started.
public final class SpawnedProcess: @unchecked Sendable {
    public let pid: pid_t
    private let command: String
    private let started = Date()
    private let timeout: Double
    private let feeding = DispatchGroup(), reading = DispatchGroup()
    private let lock = NSLock()
    private var outputBytes: [UInt8] = []
    private var errorBytes: [UInt8] = []

    /// What the process has written to standard error so far (it keeps running).
    public var standardErrorSoFar: String { lock.withLock { String(decoding: errorBytes, as: UTF8.self) } }

    public init(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                environment: [String: String]? = nil, input: [UInt8]? = nil,
                timeout: Double = defaultProcessTimeout) throws {
        command = ([executable] + arguments).joined(separator: " ")
        self.timeout = timeout
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0], inPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0, pipe(&inPipe) == 0 else { throw FixtureError("pipe: \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in inPipe + outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        // Tests run in parallel in one process: a child must not inherit another test's pipes (their
        // readers would wait for its exit) or lock files (a released flock would stay held by it).
        closeInheritedDescriptors(&actions)
        // The spawning thread is often a Dispatch worker, which blocks signals: without a fresh mask
        // and default dispositions the child would never see the SIGINT a test sends it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        // env(1) changes directory and finds a bare name on PATH, then execs in place (same pid, so
        // wait4's figures are the program's own); glibc's addchdir_np is not visible from Swift.
        let resolved = "/usr/bin/env"
        let argv = ["env"] + (directory.map { ["-C", $0.path] } ?? []) + [executable] + arguments
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let spawned = withCStrings(argv) { cArgv in
            withCStrings(env) { cEnv in posix_spawn(&pid, resolved, &actions, &attributes, cArgv, cEnv) }
        }
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard spawned == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw FixtureError("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        self.pid = pid
        let stdinFD = inPipe[1], stderrFD = errPipe[0], stdoutFD = outPipe[0]
        DispatchQueue.global().async(group: feeding) {
            if let input { writeAll(stdinFD, input) }
            close(stdinFD)
        }
        DispatchQueue.global().async(group: reading) { readAll(stderrFD) { chunk in self.lock.withLock { self.errorBytes += chunk } } }
        DispatchQueue.global().async(group: reading) { readAll(stdoutFD) { chunk in self.lock.withLock { self.outputBytes += chunk } } }
    }

    /// Whether the process has ended; it stays to be reaped by `wait()`.
    public var hasExited: Bool {
        var info = siginfo_t()
        return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_signo == SIGCHLD
    }

    /// Sends `signal` (SIGKILL unless told); `wait()` still reaps the process.
    public func kill(_ signal: Int32 = SIGKILL) {
        _ = Glibc.kill(pid, signal)
    }

    /// Waits for the exit, killing the process at its ceiling (then `ProcessTimeout`). A process
    /// ended by a signal exits 128 + the signal, as a shell reports it.
    public func wait() throws -> ProcessResult {
        var status: Int32 = 0
        var usage = rusage()
        var killed = false
        while true {
            let reaped = wait4(pid, &status, WNOHANG, &usage)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR { throw FixtureError("wait4: \(errno)") }
            if !killed && Date().timeIntervalSince(started) > timeout {
                kill()
                killed = true
            }
            usleep(2_000)
        }
        let seconds = Date().timeIntervalSince(started)
        // A killed child's grandchildren may keep the pipes open; give up on them after a moment.
        _ = reading.wait(timeout: .now() + 5)
        feeding.wait()
        if killed { throw ProcessTimeout(command: command, seconds: timeout) }
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let (output, errors) = lock.withLock { (outputBytes, errorBytes) }
        return ProcessResult(status: exitStatus, output: output, standardError: String(decoding: errors, as: UTF8.self),
                             seconds: seconds, peakMemoryBytes: Int(usage.ru_maxrss) * 1024,
                             cpuSeconds: Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                                 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000)
    }
}

private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}

private func readAll(_ fd: Int32, _ sink: ([UInt8]) -> Void) {
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count > 0 { sink(Array(buffer[0..<count])) } else if count < 0 && errno == EINTR { continue } else { break }
    }
    close(fd)
}

private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let count = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if count > 0 { offset += count } else if count < 0 && errno == EINTR { continue } else { break }
    }
}

/// glibc 2.34's posix_spawn_file_actions_addclosefrom_np, looked up at run time because Swift's Glibc
/// module does not declare it; without it, nothing above 2 stays open in the child but what exec keeps.
private func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return }
    _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
}
